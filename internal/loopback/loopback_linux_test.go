package loopback

import (
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

func TestSocketOwner(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("Linux's socket table, as a little-endian machine prints it")
	}
	table := filepath.Join(t.TempDir(), "tcp")
	os.WriteFile(table, []byte(`  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:9C40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:D431 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1001        0 2 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:9C40 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:D432 0100007F:9C40 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
`), 0o600)
	server := netip.MustParseAddrPort("127.0.0.1:40000")
	if uid, err := socketOwner(table, netip.MustParseAddrPort("127.0.0.1:54321"), server); err != nil || uid != 1001 {
		t.Errorf("client socket: uid %d, %v; want 1001", uid, err)
	}
	if _, err := socketOwner(table, netip.MustParseAddrPort("127.0.0.1:54322"), server); err == nil {
		t.Error("a TIME_WAIT socket (uid 0) was taken for a connection")
	}
	if _, err := socketOwner(table, netip.MustParseAddrPort("127.0.0.1:1"), server); err == nil {
		t.Error("an unknown socket has an owner")
	}
}

// The current user's own connection is its own.
