//go:build unix

package mototest

import (
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Two moto_servers started at once each bind a port of their own and
// answer on it. (Close waits for the process to exit; the freed port is
// not dialled again, as another process may have taken it.)
func TestStartTwiceAndClose(t *testing.T) {
	var wg sync.WaitGroup
	servers := make([]*Server, 2)
	errs := make([]error, 2)
	for i := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			servers[i], errs[i] = Start(t.TempDir())
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if errors.Is(err, ErrNotInstalled) {
			t.Skip(err)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if servers[0].URL == servers[1].URL {
		t.Fatalf("both listen at %s", servers[0].URL)
	}
	for _, s := range servers {
		addr := strings.TrimPrefix(s.URL, "http://")
		c, err := net.DialTimeout("tcp", addr, 30*time.Second)
		if err != nil {
			t.Fatalf("%s does not answer: %v", s.URL, err)
		}
		c.Close()
		s.Close()
	}
}
