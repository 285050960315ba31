//go:build !unix

package devalue

// cpuNS is not measured on this platform.
func cpuNS() int64 { return 0 }
