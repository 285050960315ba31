//go:build unix

package devalue

import "syscall"

// cpuNS returns the CPU time the process has used (user and system): unlike
// the wall time, it does not grow while a busy machine runs something else.
func cpuNS() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
