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

// inode returns the inode number of a file.
func inode(info os.FileInfo) uint64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}

// unlinkFile removes a file but never a folder (os.Remove would remove an
// empty one).
func unlinkFile(p string) error { return syscall.Unlink(p) }
