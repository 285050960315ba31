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

// isFile reports whether path still names the file f has open.
func isFile(f *os.File, path string) bool {
	var held, cur syscall.Stat_t
	return syscall.Fstat(int(f.Fd()), &held) == nil && syscall.Stat(path, &cur) == nil &&
		held.Ino == cur.Ino && held.Dev == cur.Dev
}

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
