//go:build !unix

package datalock

import "os"

// tryLock does not lock where flock(2) does not exist.
func tryLock(*os.File) (bool, error) { return true, nil }
