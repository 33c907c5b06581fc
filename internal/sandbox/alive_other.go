//go:build !unix

package sandbox

// alive is always true where awsenv cannot ask: nothing is swept.
func alive(int) bool { return true }
