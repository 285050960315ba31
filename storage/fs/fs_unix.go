//go:build unix

package fs

import (
	"os"
	"syscall"
)

func supported() error { return nil }

// tryLock takes an exclusive flock on f without waiting; false means another
// open file description holds it.
func tryLock(f *os.File) (bool, error) {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch err {
		case nil:
			return true, nil
		case syscall.EINTR:
			continue
		case syscall.EWOULDBLOCK:
			return false, nil
		}
		return false, err
	}
}

func unlockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

// fileID identifies one version of a file: its inode number and its
// modification time, mixed.
func fileID(info os.FileInfo) uint64 {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0
	}
	// The inode number tells a replaced file (Set's rename, or another program's
	// delete and create); the modification time tells a file rewritten in place
	// (unstorage's writeFile). Either change makes a sidecar stale.
	h := uint64(st.Ino)*0x9e3779b97f4a7c15 ^ uint64(info.ModTime().UnixNano())
	if h == 0 {
		h = 1
	}
	return h
}

// unlinkFile removes a file but never a folder (os.Remove would remove an
// empty one).
func unlinkFile(p string) error { return syscall.Unlink(p) }

// openFile opens p with open(2) and wraps the descriptor in an *os.File that
// is not registered with the runtime's poller. os.OpenFile would try to
// register it, which regular files refuse, and undo the attempt: four fcntl
// and an epoll_ctl per file, which a session write (three files) pays for
// nothing.
func openFile(p string, flag int, perm os.FileMode) (*os.File, error) {
	for {
		fd, err := syscall.Open(p, flag|syscall.O_CLOEXEC, uint32(perm.Perm()))
		if err == nil {
			return os.NewFile(uintptr(fd), p), nil
		}
		if err != syscall.EINTR {
			return nil, &os.PathError{Op: "open", Path: p, Err: err}
		}
	}
}

// fileKey identifies the file f has open (device and inode).
type fileKey struct{ dev, ino uint64 }

func keyOf(f *os.File) (fileKey, bool) {
	var st syscall.Stat_t
	if syscall.Fstat(int(f.Fd()), &st) != nil {
		return fileKey{}, false
	}
	return fileKey{uint64(st.Dev), uint64(st.Ino)}, true
}

// pathIs reports whether path names the file k.
func pathIs(path string, k fileKey) bool {
	var st syscall.Stat_t
	return syscall.Stat(path, &st) == nil && uint64(st.Dev) == k.dev && uint64(st.Ino) == k.ino
}
