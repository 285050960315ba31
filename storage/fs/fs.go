// Package fs is a storage driver that keeps one file per key under a base
// folder, laid out exactly as unstorage's fs-lite driver (the one Astro uses for
// its "fs" session driver) lays it out, so that a Go service and an Astro site can
// share one session folder.
//
// It registers itself under the names "fs", "fs-lite" and "fsLite", which all
// open the same driver, as Astro maps all three to fs-lite. Options: base (the
// folder; default ".astro/session", Astro's default for sessionDrivers.fs()),
// sweepInterval (a duration such as "10m" or a number of seconds) and noSync (a
// boolean).
//
//	d, err := storage.Open("fs", map[string]any{"base": "/var/lib/app/sessions"})
//
// # Layout
//
// The value of key "a:b:c" is the file <base>/a/b/c: ':' becomes '/', there is
// no extension, and the file holds the value's text verbatim (UTF-8, no trailing
// newline). Folders are created as needed. A missing or empty file is no value.
// A relative base is resolved against the working directory when the store is
// opened, as unstorage does.
//
// Keys go through storage.CleanKey, which refuses everything that could leave
// the base folder ("..", ".", NUL, overlong names and segments; unstorage's
// fs-lite refuses "..:" and a trailing ".." and we refuse more). In addition
// this driver refuses any segment that begins with ".goastro": those names are
// its own (see below).
//
// # Atomic writes
//
// A write goes to a temporary file ".goastro-tmp-*" in the folder of the target,
// which is fsynced, renamed over the target, and followed by an fsync of the
// folder. A reader (this driver, or Astro's fs-lite, which reads with a plain
// readFile) therefore sees the old record or the new one, never part of one, and
// a crash leaves one or the other. Options.NoSync skips both fsyncs: writes stay
// atomic for readers but a power loss may lose recent ones. Temporary files are
// removed when a write fails; ones left by a crash are removed by Sweep once
// they are older than a quarter of an hour. This driver never lists them as keys.
// unstorage's getKeys would list one that is in flight, but Astro never lists
// keys.
//
// # Expiry (TTL)
//
// A TTL given to Set never goes into the record's text, which Astro reads as it
// is. It is kept in a sidecar file under <base>/.goastro/ttl/: the file
// <hh>/<sha256 of the key in hex> holds the expiry time (Unix nanoseconds), the
// identity of the record file it belongs to (inode number and modification time,
// mixed), and the key. A sidecar applies only while the record file is that very
// version: every Set through this driver makes a new file (rename) and writes or
// removes the sidecar with it. A record that another program rewrites in place
// (unstorage's setItem on an existing key) or deletes and creates anew loses the
// expiry, so that a lifetime given for one content never deletes what Astro
// wrote there later. Get, Has and Keys hide
// expired records; Get and Has also delete them. Sweep removes every expired
// record with its sidecar, stale sidecars and orphaned temporary files;
// Options.SweepInterval runs it in the background until Close.
//
// unstorage's getKeys lists the files under <base>/.goastro as keys (it lists
// every file under base); Astro never calls it, and ignoring keys that begin
// with ".goastro" filters them out.
//
// # Locking
//
// Set, Delete, Clear, Sweep and CompareAndSwap take an exclusive lock on a lock
// file <base>/.goastro/lock/<nn>, one of 64 chosen by the FNV-1a hash of the
// key, with flock(2) (and an in-process lock first, so goroutines queue without
// holding threads). flock locks are shared by every process on the machine that
// opens the same folder, so CompareAndSwap is atomic across goroutines and
// across processes; waiting for a lock stops when the context is done. Readers
// take no lock: they check that the sidecar they read belongs to the record
// they read, and only when it does not (a write in flight) read again under the
// lock. Lock files are never removed while in use; one removed by another
// program is noticed and recreated. Locks do not extend to network file systems
// whose flock is local to one machine, nor to Astro's own writes, which take no
// lock.
//
// The driver needs flock(2) and inode numbers: it runs on Linux, macOS and the
// BSDs. On other systems the package compiles but New returns an error.
package fs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/goastro/session/storage"
)

// DefaultBase is the folder used when Options.Base is empty: Astro's default for
// its fs session driver, relative to the working directory.
const DefaultBase = ".astro/session"

const (
	metaDir      = ".goastro"      // <base>/.goastro: sidecars and lock files
	reserved     = ".goastro"      // key segments may not begin with this
	tmpPrefix    = ".goastro-tmp-" // temporary files, next to their target
	lockStripes  = 64
	orphanMaxAge = 15 * time.Minute
)

// Options configures a store.
type Options struct {
	// Base is the folder that holds the records; DefaultBase when empty.
	Base string
	// SweepInterval, when greater than zero, runs Sweep that often in the
	// background until Close.
	SweepInterval time.Duration
	// NoSync skips the fsync of each written file and of its folder. Writes stay
	// atomic for readers, but may be lost on power failure.
	NoSync bool
	// FileMode is the permission of record, sidecar and lock files; 0600 when
	// zero. Processes of several users sharing a folder need group access.
	FileMode os.FileMode
	// DirMode is the permission of the folders created; 0700 when zero.
	DirMode os.FileMode
}

func init() {
	open := func(name string) func(map[string]any) (storage.Driver, error) {
		return func(options map[string]any) (storage.Driver, error) {
			o := storage.NewOptions(name, options)
			opts := Options{
				Base:          o.String("base", ""),
				SweepInterval: o.Duration("sweepInterval", 0),
				NoSync:        o.Bool("noSync", false),
			}
			if err := o.Err(); err != nil {
				return nil, err
			}
			return New(opts)
		}
	}
	storage.Register("fs", open("fs"))
	storage.Register("fs-lite", open("fs-lite"))
	storage.Register("fsLite", open("fsLite"))
}

// Store is the fs driver. It implements storage.Driver and storage.Swapper.
type Store struct {
	base     string // absolute
	noSync   bool
	fileMode os.FileMode
	dirMode  os.FileMode

	stripes [lockStripes]stripe

	life   sync.RWMutex // held for reading by every call, for writing by Close
	closed atomic.Bool

	stop chan struct{}
	done chan struct{}
}

type stripe struct {
	sem  chan struct{} // in-process lock
	path string        // the lock file
	f    *os.File      // lock file, opened lazily, used only while sem is held
	key  fileKey       // the file f has open
}

var (
	_ storage.Driver  = (*Store)(nil)
	_ storage.Swapper = (*Store)(nil)
	_ storage.Sweeper = (*Store)(nil)
)

// New opens the store in opts.Base, creating the folder when it is missing.
func New(opts Options) (*Store, error) {
	base := opts.Base
	if base == "" {
		base = DefaultBase
	}
	if strings.IndexByte(base, 0) >= 0 {
		return nil, fmt.Errorf("%w: fs: base %q contains a NUL byte", storage.ErrInvalidOption, base)
	}
	if err := supported(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(base)
	if err != nil {
		return nil, fmt.Errorf("fs: base %q: %w", base, err)
	}
	s := &Store{base: abs, noSync: opts.NoSync, fileMode: opts.FileMode, dirMode: opts.DirMode}
	if s.fileMode == 0 {
		s.fileMode = 0o600
	}
	if s.dirMode == 0 {
		s.dirMode = 0o700
	}
	for i := range s.stripes {
		s.stripes[i].sem = make(chan struct{}, 1)
		s.stripes[i].path = filepath.Join(abs, metaDir, "lock", fmt.Sprintf("%02d", i))
	}
	if err := os.MkdirAll(filepath.Join(abs, metaDir, "lock"), s.dirMode); err != nil {
		return nil, fmt.Errorf("fs: %w", err)
	}
	if opts.SweepInterval > 0 {
		s.stop = make(chan struct{})
		s.done = make(chan struct{})
		go s.sweepLoop(opts.SweepInterval)
	}
	return s, nil
}

// Base returns the absolute path of the folder the store keeps its records in.
func (s *Store) Base() string { return s.base }

func (s *Store) sweepLoop(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			_, _ = s.Sweep(context.Background())
		}
	}
}

// begin checks the context and the store; on success the caller must call s.end.
func (s *Store) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.life.RLock()
	if s.closed.Load() {
		s.life.RUnlock()
		return storage.ErrClosed
	}
	return nil
}

func (s *Store) end() { s.life.RUnlock() }

// cleanKey applies the common key rules and this driver's own.
func cleanKey(key string) (string, error) {
	k, err := storage.CleanKey(key)
	if err != nil {
		return "", err
	}
	for rest := k; ; {
		seg, after, more := strings.Cut(rest, ":")
		if strings.HasPrefix(seg, reserved) {
			return "", fmt.Errorf("%w %q: fs: segments beginning with %q are reserved", storage.ErrInvalidKey, key, reserved)
		}
		if !more {
			return k, nil
		}
		rest = after
	}
}

func (s *Store) path(k string) string {
	return s.base + string(filepath.Separator) + strings.ReplaceAll(k, ":", string(filepath.Separator))
}

func (s *Store) sidecarPath(k string) string {
	sum := sha256.Sum256([]byte(k))
	h := hex.EncodeToString(sum[:])
	return filepath.Join(s.base, metaDir, "ttl", h[:2], h)
}

// stripeOf picks the lock file of k: FNV-1a (32 bit) of the key, modulo 64.
// Every process sharing the folder must agree on it.
func stripeOf(k string) int {
	h := uint32(2166136261)
	for i := 0; i < len(k); i++ {
		h ^= uint32(k[i])
		h *= 16777619
	}
	return int(h % lockStripes)
}

// lock takes the lock of stripe i, in process and then across processes.
func (s *Store) lock(ctx context.Context, i int) (unlock func(), err error) {
	st := &s.stripes[i]
	select {
	case st.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release := func() { <-st.sem }
	lockPath := st.path
	delay := 50 * time.Microsecond
	for {
		if st.f == nil {
			if err := os.MkdirAll(filepath.Dir(lockPath), s.dirMode); err != nil {
				release()
				return nil, fmt.Errorf("fs: lock: %w", err)
			}
			f, err := openFile(lockPath, os.O_RDWR|os.O_CREATE, s.fileMode)
			if err != nil {
				release()
				return nil, fmt.Errorf("fs: lock: %w", err)
			}
			key, ok := keyOf(f)
			if !ok {
				f.Close()
				release()
				return nil, fmt.Errorf("fs: lock: cannot stat %s", lockPath)
			}
			st.f, st.key = f, key
		}
		f := st.f
		locked, err := tryLock(f)
		if err != nil {
			release()
			return nil, fmt.Errorf("fs: flock %s: %w", lockPath, err)
		}
		if locked {
			// The lock file may have been removed or replaced (by a program
			// clearing the whole folder) between our open and our flock: then
			// we hold a lock nobody else sees. Check, and start again if so.
			if pathIs(lockPath, st.key) {
				return func() {
					_ = unlockFile(f)
					release()
				}, nil
			}
			_ = unlockFile(f)
			f.Close()
			st.f = nil
			continue
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			release()
			return nil, ctx.Err()
		case <-t.C:
		}
		delay = min(delay*2, 5*time.Millisecond)
	}
}

// sidecar is the expiry record of one key.
type sidecar struct {
	expires int64  // unix nanoseconds
	ino     uint64 // inode of the record file it belongs to
}

// readSidecar returns the sidecar of k. ok is false when there is none, or an
// unreadable one; absent tells that no sidecar file exists at all.
func (s *Store) readSidecar(k string) (sc sidecar, ok, absent bool, err error) {
	b, err := readSmall(s.sidecarPath(k))
	if err != nil {
		if notFound(err) {
			return sidecar{}, false, true, nil
		}
		return sidecar{}, false, false, fmt.Errorf("fs: ttl of %q: %w", k, err)
	}
	sc, key, ok := parseSidecar(b)
	if !ok || key != k {
		// Unreadable (or a hash collision): no expiry. Sweep removes it.
		return sidecar{}, false, false, nil
	}
	return sc, true, false, nil
}

// readSmall reads a small file whole.
func readSmall(p string) ([]byte, error) {
	f, err := openFile(p, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 0, 256)
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// parseSidecar reads "<expires> <ino>\n<key>".
func parseSidecar(b []byte) (sidecar, string, bool) {
	line, key, ok := bytes.Cut(b, []byte{'\n'})
	if !ok {
		return sidecar{}, "", false
	}
	e, i, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return sidecar{}, "", false
	}
	exp, err1 := strconv.ParseInt(string(e), 10, 64)
	ino, err2 := strconv.ParseUint(string(i), 10, 64)
	if err1 != nil || err2 != nil {
		return sidecar{}, "", false
	}
	return sidecar{expires: exp, ino: ino}, string(key), true
}

// record is what a lookup found.
type record struct {
	value  string
	size   int64
	ino    uint64
	exists bool // a non-empty regular file
	// noSidecar is set by a locked lookup that found no sidecar file: a write
	// made under the same lock need not remove one.
	noSidecar bool
}

// readRecord reads the record file of k (its value too when withValue).
func (s *Store) readRecord(k string, withValue bool) (record, error) {
	p := s.path(k)
	if !withValue {
		info, err := os.Stat(p)
		if err != nil {
			if notFound(err) {
				return record{}, nil
			}
			return record{}, fmt.Errorf("fs: %w", err)
		}
		if !info.Mode().IsRegular() || info.Size() == 0 {
			return record{}, nil
		}
		return record{size: info.Size(), ino: fileID(info), exists: true}, nil
	}
	f, err := openFile(p, os.O_RDONLY, 0)
	if err != nil {
		if notFound(err) {
			return record{}, nil
		}
		return record{}, fmt.Errorf("fs: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return record{}, fmt.Errorf("fs: %w", err)
	}
	if !info.Mode().IsRegular() || info.Size() == 0 {
		return record{}, nil
	}
	// Read to the end: another program may be rewriting the file in place.
	buf := make([]byte, 0, info.Size()+1)
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return record{}, fmt.Errorf("fs: read %s: %w", p, err)
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
	if len(buf) == 0 {
		return record{}, nil
	}
	return record{value: string(buf), size: int64(len(buf)), ino: fileID(info), exists: true}, nil
}

// lookup finds the live record of k. Unlocked callers pass locked=false: when
// the sidecar does not match the record (a write in flight) lookup reads again
// under the lock. Expired records are deleted when remove is true.
func (s *Store) lookup(ctx context.Context, k string, withValue, locked bool) (record, error) {
	rec, err := s.readRecord(k, withValue)
	if err != nil || !rec.exists {
		return record{}, err
	}
	sc, ok, absent, err := s.readSidecar(k)
	if err != nil {
		return record{}, err
	}
	if !ok {
		rec.noSidecar = absent && locked
		return rec, nil
	}
	if sc.ino != rec.ino {
		if locked {
			// A stale sidecar: it belongs to a file that is gone.
			return rec, s.removeSidecar(k)
		}
		unlock, err := s.lock(ctx, stripeOf(k))
		if err != nil {
			return record{}, err
		}
		defer unlock()
		return s.lookup(ctx, k, withValue, true)
	}
	if sc.expires > time.Now().UnixNano() {
		return rec, nil
	}
	// Expired: remove it, unless it changed since we looked.
	if !locked {
		unlock, err := s.lock(ctx, stripeOf(k))
		if err != nil {
			return record{}, err
		}
		defer unlock()
	}
	if err := s.removeIfExpired(k); err != nil {
		return record{}, err
	}
	return record{}, nil
}

// removeIfExpired deletes k and its sidecar when the sidecar matches the record
// file and has expired. Called locked. It reports whether a record was removed.
func (s *Store) removeIfExpired(k string) error {
	_, err := s.removeExpired(k, time.Now().UnixNano())
	return err
}

func (s *Store) removeExpired(k string, now int64) (bool, error) {
	sc, ok, _, err := s.readSidecar(k)
	if err != nil || !ok {
		return false, err
	}
	p := s.path(k)
	info, err := os.Lstat(p)
	switch {
	case notFound(err) || (err == nil && fileID(info) != sc.ino):
		// The sidecar is stale.
		return false, s.removeSidecar(k)
	case err != nil:
		return false, fmt.Errorf("fs: %w", err)
	case sc.expires > now:
		return false, nil
	}
	if err := unlinkFile(p); err != nil && !notFound(err) {
		return false, fmt.Errorf("fs: remove %s: %w", p, err)
	}
	return true, s.removeSidecar(k)
}

func (s *Store) removeSidecar(k string) error {
	if err := unlinkFile(s.sidecarPath(k)); err != nil && !notFound(err) {
		return fmt.Errorf("fs: %w", err)
	}
	return nil
}

// Get implements storage.Driver.
func (s *Store) Get(ctx context.Context, key string) (string, bool, error) {
	if err := s.begin(ctx); err != nil {
		return "", false, err
	}
	defer s.end()
	k, err := cleanKey(key)
	if err != nil {
		return "", false, err
	}
	rec, err := s.lookup(ctx, k, true, false)
	return rec.value, rec.exists, err
}

// Has implements storage.Driver.
func (s *Store) Has(ctx context.Context, key string) (bool, error) {
	if err := s.begin(ctx); err != nil {
		return false, err
	}
	defer s.end()
	k, err := cleanKey(key)
	if err != nil {
		return false, err
	}
	rec, err := s.lookup(ctx, k, false, false)
	return rec.exists, err
}

// Set implements storage.Driver.
func (s *Store) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	return s.locked(ctx, key, func(k string) error { return s.write(k, value, ttl, false) })
}

// Delete implements storage.Driver.
func (s *Store) Delete(ctx context.Context, key string) error {
	return s.locked(ctx, key, s.remove)
}

// CompareAndSwap implements storage.Swapper. It holds the key's lock file
// (flock) from the read to the write, so it is atomic across processes.
func (s *Store) CompareAndSwap(ctx context.Context, key, old string, exists bool, value string, ttl time.Duration) (bool, error) {
	swapped := false
	err := s.locked(ctx, key, func(k string) error {
		rec, err := s.lookup(ctx, k, true, true)
		if err != nil || rec.exists != exists || (exists && rec.value != old) {
			return err
		}
		if err := s.write(k, value, ttl, rec.noSidecar); err != nil {
			return err
		}
		swapped = true
		return nil
	})
	return swapped, err
}

// locked runs fn with the cleaned key while holding the key's lock (flock),
// unless the store is closed or ctx is done.
func (s *Store) locked(ctx context.Context, key string, fn func(k string) error) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	k, err := cleanKey(key)
	if err != nil {
		return err
	}
	unlock, err := s.lock(ctx, stripeOf(k))
	if err != nil {
		return err
	}
	defer unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(k)
}

// remove deletes the record of k and its sidecar. Called locked.
func (s *Store) remove(k string) error {
	p := s.path(k)
	// Unlink, not os.Remove: a folder (holding longer keys) is not a value
	// and must stay.
	if err := unlinkFile(p); err != nil && !notFound(err) && !errors.Is(err, syscall.EISDIR) {
		return fmt.Errorf("fs: remove %s: %w", p, err)
	}
	return s.removeSidecar(k)
}

// createTemp creates a new temporary file in dir (and dir when missing),
// with the store's file mode.
func (s *Store) createTemp(dir string) (*os.File, error) {
	for try := 0; ; try++ {
		name := dir + string(filepath.Separator) + tmpPrefix + strconv.FormatUint(rand.Uint64(), 36)
		f, err := openFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		switch {
		case err == nil:
			if s.fileMode != 0o600 {
				if err := f.Chmod(s.fileMode); err != nil {
					f.Close()
					os.Remove(name)
					return nil, fmt.Errorf("fs: %w", err)
				}
			}
			return f, nil
		case errors.Is(err, iofs.ErrExist) && try < 100:
		case notFound(err) && try == 0:
			if err := os.MkdirAll(dir, s.dirMode); err != nil {
				return nil, fmt.Errorf("fs: %w", err)
			}
		default:
			return nil, fmt.Errorf("fs: %w", err)
		}
	}
}

// write stores value under k atomically. Called locked. noSidecar tells that
// k has no sidecar (a lookup under the same lock found none).
func (s *Store) write(k, value string, ttl time.Duration, noSidecar bool) error {
	if value == "" {
		return s.remove(k)
	}
	p := s.path(k)
	dir := filepath.Dir(p)
	tmp, err := s.createTemp(dir)
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if _, err := io.WriteString(tmp, value); err != nil {
		return fmt.Errorf("fs: write %s: %w", tmpName, err)
	}
	if !s.noSync {
		if err := tmp.Sync(); err != nil {
			return fmt.Errorf("fs: sync %s: %w", tmpName, err)
		}
	}
	var info os.FileInfo
	if ttl > 0 {
		if info, err = tmp.Stat(); err != nil {
			return fmt.Errorf("fs: %w", err)
		}
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("fs: close %s: %w", tmpName, err)
	}
	// With a TTL the sidecar goes first, naming the new file's inode: a reader
	// that still sees the old file sees a sidecar that is not its own and reads
	// again under the lock. Without one, the old sidecar goes after the rename,
	// so an old expired record never shows without its expiry.
	var prevSidecar []byte
	if ttl > 0 {
		prevSidecar, _ = readSmall(s.sidecarPath(k))
		exp := time.Now().Add(ttl).UnixNano()
		if err := s.writeSidecar(k, sidecar{expires: exp, ino: fileID(info)}); err != nil {
			return err
		}
	}
	if err := os.Rename(tmpName, p); err != nil {
		if ttl > 0 {
			if prevSidecar != nil {
				_ = s.writeFileAtomic(s.sidecarPath(k), prevSidecar)
			} else {
				_ = s.removeSidecar(k)
			}
		}
		if errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST) {
			return fmt.Errorf("fs: cannot store %q: %s is a folder (it holds keys that begin with %q)", k, p, k+":")
		}
		return fmt.Errorf("fs: %w", err)
	}
	done = true
	if !s.noSync {
		if err := syncDir(dir); err != nil {
			return err
		}
	}
	if ttl <= 0 && !noSidecar {
		return s.removeSidecar(k)
	}
	return nil
}

func (s *Store) writeSidecar(k string, sc sidecar) error {
	text := strconv.FormatInt(sc.expires, 10) + " " + strconv.FormatUint(sc.ino, 10) + "\n" + k
	return s.writeFileAtomic(s.sidecarPath(k), []byte(text))
}

// writeFileAtomic writes a small metadata file with temp file and rename.
func (s *Store) writeFileAtomic(p string, data []byte) error {
	dir := filepath.Dir(p)
	tmp, err := s.createTemp(dir)
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	if werr == nil && !s.noSync {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), p)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("fs: %w", werr)
	}
	if !s.noSync {
		return syncDir(dir)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fs: %w", err)
	}
	err = d.Sync()
	d.Close()
	if err != nil && !errors.Is(err, syscall.EINVAL) { // some file systems cannot sync folders
		return fmt.Errorf("fs: sync %s: %w", dir, err)
	}
	return nil
}

// Keys implements storage.Driver. It walks the folder of the prefix's complete
// segments ("a:b" for prefix "a:b:c") rather than the whole base when it can.
func (s *Store) Keys(ctx context.Context, prefix string) ([]string, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	root := s.base
	if i := strings.LastIndexByte(prefix, ':'); i > 0 {
		if dir, err := cleanKey(prefix[:i]); err == nil && dir == prefix[:i] {
			root = s.path(dir)
		}
	}
	keys := []string{}
	now := time.Now().UnixNano()
	err := walkFolder(ctx, root, func(p string, d iofs.DirEntry) (bool, error) {
		name := d.Name()
		if strings.HasPrefix(name, reserved) {
			return false, nil
		}
		if d.IsDir() {
			return true, nil
		}
		if !d.Type().IsRegular() {
			return false, nil
		}
		rel := p[len(s.base)+1:]
		k := strings.ReplaceAll(rel, string(filepath.Separator), ":")
		if !strings.HasPrefix(k, prefix) {
			return false, nil
		}
		if c, err := cleanKey(k); err != nil || c != k {
			return false, nil // a file name that is not a key we could read
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, iofs.ErrNotExist) {
				return false, nil
			}
			return false, err
		}
		if info.Size() == 0 {
			return false, nil
		}
		sc, ok, _, err := s.readSidecar(k)
		if err != nil {
			return false, err
		}
		if ok && sc.expires <= now && fileID(info) == sc.ino {
			return false, nil
		}
		keys = append(keys, k)
		return false, nil
	})
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return nil, err
		}
		return nil, fmt.Errorf("fs: keys: %w", err)
	}
	return keys, nil
}

// lockAll takes every stripe lock, in order.
func (s *Store) lockAll(ctx context.Context) (func(), error) {
	var unlocks []func()
	unlockAll := func() {
		for i := len(unlocks) - 1; i >= 0; i-- {
			unlocks[i]()
		}
	}
	for i := range lockStripes {
		u, err := s.lock(ctx, i)
		if err != nil {
			unlockAll()
			return nil, err
		}
		unlocks = append(unlocks, u)
	}
	return unlockAll, nil
}

// Clear implements storage.Driver: it removes everything under the base folder
// but the lock files, holding every lock meanwhile. The base folder stays.
func (s *Store) Clear(ctx context.Context) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	unlock, err := s.lockAll(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	meta := filepath.Join(s.base, metaDir)
	err = walkFolder(ctx, s.base, func(p string, _ iofs.DirEntry) (bool, error) {
		if p == meta {
			p = filepath.Join(p, "ttl")
		}
		return false, os.RemoveAll(p)
	})
	if err != nil {
		return fmt.Errorf("fs: clear: %w", err)
	}
	return nil
}

// Sweep removes every expired record with its sidecar, sidecars whose record is
// gone or was replaced by another program, and temporary files left by a crash
// (older than 15 minutes). It reports how many records it removed. It can run
// while the store is in use, from any number of processes. It reads each
// folder a batch of entries at a time, so its memory does not grow with the
// number of records.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	defer s.end()
	removed := 0
	ttlRoot := filepath.Join(s.base, metaDir, "ttl")
	err := walkFolder(ctx, ttlRoot, func(p string, d iofs.DirEntry) (bool, error) {
		if sweepVisit != nil {
			sweepVisit()
		}
		if d.IsDir() {
			return true, nil
		}
		gone, err := s.sweepSidecar(ctx, p, d)
		if gone {
			removed++
		}
		return false, err
	})
	if err == nil {
		meta := filepath.Join(s.base, metaDir)
		err = walkFolder(ctx, s.base, func(p string, d iofs.DirEntry) (bool, error) {
			if sweepVisit != nil {
				sweepVisit()
			}
			if d.IsDir() {
				return p != meta, nil
			}
			if strings.HasPrefix(d.Name(), tmpPrefix) {
				return false, removeOrphan(p, d)
			}
			return false, nil
		})
	}
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return removed, err
		}
		return removed, fmt.Errorf("fs: sweep: %w", err)
	}
	return removed, nil
}

// sweepSidecar handles the sidecar file p: an orphaned temporary file is
// removed when old, an unreadable sidecar is removed, and the record it names
// is removed with it when expired (under the record's lock). It reports
// whether a record was removed.
func (s *Store) sweepSidecar(ctx context.Context, p string, d iofs.DirEntry) (bool, error) {
	if strings.HasPrefix(d.Name(), tmpPrefix) {
		return false, removeOrphan(p, d)
	}
	b, err := readSmall(p)
	if err != nil {
		if notFound(err) {
			return false, nil
		}
		return false, err
	}
	sc, k, ok := parseSidecar(b)
	if ok {
		if c, err := cleanKey(k); err != nil || c != k || s.sidecarPath(k) != p {
			ok = false
		}
	}
	if !ok {
		if err := unlinkFile(p); err != nil && !notFound(err) {
			return false, err
		}
		return false, nil
	}
	now := time.Now().UnixNano()
	if sc.expires > now {
		// Not expired: nothing to remove, unless the sidecar is stale. Telling
		// that takes a stat and no lock: a write in flight may change the
		// record, but never into an expired one.
		if info, err := os.Lstat(s.path(k)); err == nil && fileID(info) == sc.ino {
			return false, nil
		}
	}
	unlock, err := s.lock(ctx, stripeOf(k))
	if err != nil {
		return false, err
	}
	defer unlock()
	return s.removeExpired(k, now)
}

// walkBatch is how many entries of a folder walkFolder reads at a time.
const walkBatch = 256

// walkFolder calls fn for every entry under dir, depth first, descending into
// a folder when fn says so. It reads each folder walkBatch entries at a time
// (never a whole folder, which may hold millions of records), and skips folders
// that vanish meanwhile. Entries added or removed during the walk may or may not
// be seen; the others are seen once.
func walkFolder(ctx context.Context, dir string, fn func(p string, d iofs.DirEntry) (descend bool, err error)) error {
	f, err := os.Open(dir)
	if err != nil {
		if notFound(err) {
			return nil
		}
		return err
	}
	defer f.Close()
	for {
		batch, rerr := f.ReadDir(walkBatch)
		for _, d := range batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			p := dir + string(filepath.Separator) + d.Name()
			descend, err := fn(p, d)
			if err != nil {
				return err
			}
			if descend && d.IsDir() {
				if err := walkFolder(ctx, p, fn); err != nil {
					return err
				}
			}
		}
		if rerr == io.EOF || (rerr != nil && notFound(rerr)) {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

// sweepVisit, when set (by tests), is called for every file Sweep visits.
var sweepVisit func()

// notFound reports an error that means "no such file": missing, or a path
// component that is a file.
func notFound(err error) bool {
	return errors.Is(err, iofs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

func removeOrphan(p string, d iofs.DirEntry) error {
	info, err := d.Info()
	if err != nil || time.Since(info.ModTime()) < orphanMaxAge {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return err
	}
	return nil
}

// Close implements storage.Driver: it stops the background sweep, waits for
// calls in progress and closes the lock files.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if s.stop != nil {
		close(s.stop)
		<-s.done
	}
	s.life.Lock()
	defer s.life.Unlock()
	var errs []error
	for i := range s.stripes {
		if f := s.stripes[i].f; f != nil {
			errs = append(errs, f.Close())
			s.stripes[i].f = nil
		}
	}
	return errors.Join(errs...)
}

// InProcess marks the store as one whose calls wait on nothing but this
// machine (storage.InProcess).
func (s *Store) InProcess() {}
