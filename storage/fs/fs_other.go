//go:build !unix

package fs

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

// The driver needs flock(2) and inode numbers: it works on Linux, the BSDs and
// macOS. Elsewhere New returns this error, and the rest only compiles.
func supported() error {
	return fmt.Errorf("fs: the fs driver is not supported on %s (it needs flock and inode numbers)", runtime.GOOS)
}

var errUnsupported = errors.New("fs: not supported on " + runtime.GOOS)

func tryLock(*os.File) (bool, error) { return false, errUnsupported }
func unlockFile(*os.File) error      { return errUnsupported }
func keyOf(*os.File) (fileKey, bool) { return fileKey{}, false }
func pathIs(string, fileKey) bool    { return false }
func fileID(os.FileInfo) uint64      { return 0 }
func unlinkFile(p string) error      { return os.Remove(p) }

type fileKey struct{}

func openFile(p string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(p, flag, perm)
}
