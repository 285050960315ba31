package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// redisProc is a private redis-server process: persistence off, loopback only.
type redisProc struct {
	addr string
	cmd  *exec.Cmd
	dir  string
}

// freePort returns a free loopback port whose port+10000 (a cluster node's bus
// port) is free too.
func freePort() (int, error) {
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if p+10000 > 65535 {
			continue
		}
		if l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000)); err == nil {
			l2.Close()
			return p, nil
		}
	}
	return 0, errors.New("no free loopback port")
}

func startRedis(ctx context.Context, cfg config, args ...string) (*redisProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(cfg.dir, "scale-redis-")
	if err != nil {
		return nil, err
	}
	full := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", dir, "--logfile", filepath.Join(dir, "redis.log")}, args...)
	cmd := exec.Command(cfg.redisServer, full...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", cfg.redisServer, err)
	}
	p := &redisProc{addr: "127.0.0.1:" + strconv.Itoa(port), cmd: cmd, dir: dir}
	c := goredis.NewClient(&goredis.Options{Addr: p.addr})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := c.Info(ctx, "server").Result()
		if err == nil && strings.Contains(info, "process_id:"+strconv.Itoa(cmd.Process.Pid)+"\r\n") {
			return p, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			p.stop()
			return nil, fmt.Errorf("redis-server on %s did not answer: %v", p.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *redisProc) stop() error {
	p.cmd.Process.Kill()
	p.cmd.Wait()
	return os.RemoveAll(p.dir)
}

// startCluster starts masters cluster nodes and joins them with redis-cli.
func startCluster(ctx context.Context, cfg config, masters int) ([]*redisProc, error) {
	var nodes []*redisProc
	stopAll := func() {
		for _, n := range nodes {
			n.stop()
		}
	}
	var addrs []string
	for range masters {
		n, err := startRedis(ctx, cfg, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "5000")
		if err != nil {
			stopAll()
			return nil, err
		}
		nodes = append(nodes, n)
		addrs = append(addrs, n.addr)
	}
	cli := filepath.Join(filepath.Dir(cfg.redisServer), "redis-cli")
	if _, err := os.Stat(cli); err != nil {
		cli = "redis-cli"
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		stopAll()
		return nil, fmt.Errorf("redis-cli --cluster create: %v: %s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, a := range addrs {
		c := goredis.NewClient(&goredis.Options{Addr: a})
		for {
			info, err := c.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				c.Close()
				stopAll()
				return nil, fmt.Errorf("cluster node %s not ready: %v", a, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		c.Close()
	}
	return nodes, nil
}
