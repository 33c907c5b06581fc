//go:build !unix

package cache

import "testing"

func makeFIFO(t *testing.T, _ *Store, _ string) { t.Skip("no FIFOs on this system") }
