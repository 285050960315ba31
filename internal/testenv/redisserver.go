package testenv

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RedisServer is a throwaway redis-server process started for one test, on a
// loopback port, with its files in a temporary folder. It is stopped when the
// test ends.
type RedisServer struct {
	Addr string // 127.0.0.1:port
	Port int
	Dir  string
	cmd  *exec.Cmd
	once sync.Once
	wait <-chan error
}

// Kill stops the server at once with SIGKILL, as a crash would. It is safe to
// call more than once; the test's cleanup calls it too.
func (s *RedisServer) Kill() {
	s.once.Do(func() {
		s.cmd.Process.Kill()
		<-s.wait
	})
}

// FreePort returns a loopback TCP port that is free (and whose port+10000, the
// Redis Cluster bus port, is free too), for a server the test starts itself.
func FreePort(t testing.TB) int {
	t.Helper()
	return freePort(t)
}

// freePort picks a loopback TCP port that is free, and whose port+10000 (the
// Redis Cluster bus port) is free too.
func freePort(t testing.TB) int {
	t.Helper()
	for range 200 {
		p := 20000 + rand.IntN(25000)
		ok := true
		for _, q := range []int{p, p + 10000} {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(q)))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return p
		}
	}
	t.Fatal("testenv: no free loopback port found")
	return 0
}

// StartRedis starts a redis-server on a free loopback port for the duration of
// the test, with persistence off and any extra command-line arguments (for
// example "--requirepass", "secret"). It stops the test when redis-server is not
// installed.
func StartRedis(t testing.TB, args ...string) *RedisServer {
	t.Helper()
	bin := Command(t, "redis-server", "apt-get install redis-server")
	var lastErr error
	for range 5 {
		s, err := startRedis(t, bin, args)
		if err == nil {
			return s
		}
		lastErr = err
	}
	t.Fatalf("testenv: start redis-server: %v", lastErr)
	return nil
}

func startRedis(t testing.TB, bin string, args []string) (*RedisServer, error) {
	t.Helper()
	port := freePort(t)
	dir, err := os.MkdirTemp("", "redis-test-")
	if err != nil {
		return nil, err
	}
	full := append([]string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", dir,
		"--logfile", filepath.Join(dir, "redis.log"),
		"--daemonize", "no",
	}, args...)
	cmd := exec.Command(bin, full...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test binary
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &RedisServer{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Port: port, Dir: dir, cmd: cmd}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s.answers(cmd) {
			break
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			os.RemoveAll(dir)
			return nil, fmt.Errorf("redis-server on port %d exited (%v): %s", port, err, tail(log))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			os.RemoveAll(dir)
			return nil, fmt.Errorf("redis-server on port %d did not answer within 10s", port)
		}
	}
	s.wait = exited
	t.Cleanup(func() {
		s.Kill()
		os.RemoveAll(dir)
	})
	return s, nil
}

// answers reports whether the server at s.Addr answers and is the process cmd
// started (not another test's server that took the port first).
func (s *RedisServer) answers(cmd *exec.Cmd) bool {
	info, err := RedisCommand(s.Addr, "INFO", "server")
	if err != nil {
		// A server started with a password answers NOAUTH before AUTH.
		return strings.Contains(err.Error(), "NOAUTH")
	}
	return strings.Contains(info, "process_id:"+strconv.Itoa(cmd.Process.Pid)+"\r\n")
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// StartRedisCluster starts a Redis Cluster of the given number of masters (no
// replicas) on free loopback ports, joined with `redis-cli --cluster create`,
// waits until every node reports cluster_state:ok, and returns the node
// addresses. The nodes are stopped when the test ends.
func StartRedisCluster(t testing.TB, masters int) []string {
	t.Helper()
	cli := Command(t, "redis-cli", "apt-get install redis-tools")
	var addrs []string
	for range masters {
		s := StartRedis(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "5000")
		addrs = append(addrs, s.Addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("testenv: redis-cli --cluster create %v: %v\n%s", addrs, err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, a := range addrs {
		for {
			info, err := RedisCommand(a, "CLUSTER", "INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("testenv: cluster node %s not ready: %q %v", a, info, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return addrs
}

// RedisSentinel is a throwaway Sentinel deployment: one master, optionally a
// replica of it, and one Sentinel monitoring the master under MasterName.
type RedisSentinel struct {
	Master     *RedisServer
	Replica    *RedisServer // nil without a replica
	Sentinel   *RedisServer
	MasterName string
}

// StartRedisSentinel starts a master and a Sentinel (redis-server --sentinel)
// that monitors it under the name "mymaster", and waits until the Sentinel
// reports the master's address. Both are stopped when the test ends.
func StartRedisSentinel(t testing.TB) *RedisSentinel {
	t.Helper()
	return startSentinel(t, false)
}

// StartRedisFailover is StartRedisSentinel with a replica of the master, and a
// Sentinel that fails over to it one second after the master stops answering
// (kill the master with Master.Kill to see it). It waits until the replica is
// in sync and the Sentinel knows it.
func StartRedisFailover(t testing.TB) *RedisSentinel {
	t.Helper()
	return startSentinel(t, true)
}

func startSentinel(t testing.TB, withReplica bool) *RedisSentinel {
	t.Helper()
	master := StartRedis(t)
	var replica *RedisServer
	downAfter := 5000
	if withReplica {
		replica = StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
		deadline := time.Now().Add(20 * time.Second)
		for {
			info, err := RedisCommand(replica.Addr, "INFO", "replication")
			if err == nil && strings.Contains(info, "master_link_status:up") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("testenv: replica %s did not sync with %s: %q %v", replica.Addr, master.Addr, info, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		downAfter = 1000
	}
	const name = "mymaster"
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	body := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 1\nsentinel down-after-milliseconds %s %d\nsentinel failover-timeout %s 10000\n",
		name, master.Port, name, downAfter, name)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	// The config file must come first for redis-server --sentinel.
	bin := Command(t, "redis-server", "apt-get install redis-server")
	var sentinel *RedisServer
	var lastErr error
	for range 5 {
		s, err := startRedisWithConf(t, bin, conf, "--sentinel")
		if err == nil {
			sentinel = s
			break
		}
		lastErr = err
	}
	if sentinel == nil {
		t.Fatalf("testenv: start sentinel: %v", lastErr)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, err := RedisCommand(sentinel.Addr, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", name)
		if err == nil && strings.Contains(got, strconv.Itoa(master.Port)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("testenv: sentinel at %s does not know %s: %q %v", sentinel.Addr, name, got, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if withReplica {
		deadline := time.Now().Add(20 * time.Second)
		for {
			got, err := RedisCommand(sentinel.Addr, "SENTINEL", "REPLICAS", name)
			if err == nil && strings.Contains(got, strconv.Itoa(replica.Port)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("testenv: sentinel at %s does not know the replica %s: %q %v", sentinel.Addr, replica.Addr, got, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return &RedisSentinel{Master: master, Replica: replica, Sentinel: sentinel, MasterName: name}
}

// startRedisWithConf starts redis-server with a config file as first argument.
func startRedisWithConf(t testing.TB, bin, conf string, args ...string) (*RedisServer, error) {
	t.Helper()
	port := freePort(t)
	dir := filepath.Dir(conf)
	full := append([]string{conf}, args...)
	full = append(full, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--logfile", filepath.Join(dir, "redis.log"), "--daemonize", "no")
	cmd := exec.Command(bin, full...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &RedisServer{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Port: port, Dir: dir, cmd: cmd}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s.answers(cmd) {
			break
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			return nil, fmt.Errorf("redis-server %s on port %d exited (%v): %s", strings.Join(args, " "), port, err, tail(log))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			return nil, fmt.Errorf("redis-server on port %d did not answer within 10s", port)
		}
	}
	s.wait = exited
	t.Cleanup(s.Kill)
	return s, nil
}

// RedisCommand sends one command to the Redis server at addr over a fresh
// connection and returns its reply as text: a status or bulk string as is, an
// integer in decimal, an array as its elements one per line. A Redis error reply
// is returned as an error.
func RedisCommand(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	return readReply(bufio.NewReader(c))
}

func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", fmt.Errorf("redis: %s", line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", err
		}
		if n < 0 {
			return "", nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", err
		}
		parts := make([]string, 0, max(n, 0))
		for range n {
			p, err := readReply(r)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, "\n"), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}
