package loopback

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// tcpTable is the kernel's table of IPv4 TCP sockets with their owners.
const tcpTable = "/proc/net/tcp"

// Check makes sure OwnPeer can tell who connects.
func Check() error {
	f, err := os.Open(tcpTable)
	if err != nil {
		return err
	}
	return f.Close()
}

// OwnPeer reports whether the connection r came on was made by a socket of
// the current user's, or root's.
func OwnPeer(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return false
	}
	server, err1 := netip.ParseAddrPort(local.String())
	client, err2 := netip.ParseAddrPort(r.RemoteAddr)
	if err1 != nil || err2 != nil {
		return false
	}
	uid, err := socketOwner(tcpTable, client, server)
	return err == nil && (uid == os.Getuid() || uid == 0)
}

// socketOwner finds the socket from local to remote in table (the format
// of /proc/net/tcp) and returns the uid that owns it.
func socketOwner(table string, local, remote netip.AddrPort) (int, error) {
	f, err := os.Open(table)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for sc.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid ...
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 {
			continue
		}
		l, err1 := parseSocketAddr(fields[1])
		r, err2 := parseSocketAddr(fields[2])
		if err1 != nil || err2 != nil || l != local || r != remote {
			continue
		}
		// 01 established, 08 close wait: a socket that still waits for
		// the answer. A closed one (TIME_WAIT) shows uid 0.
		if fields[3] != "01" && fields[3] != "08" {
			continue
		}
		return strconv.Atoi(fields[7])
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no such socket")
}

// parseSocketAddr reads "0100007F:1F90": the address as the kernel holds
// it (network byte order) printed as a native-endian number, and the port.
func parseSocketAddr(s string) (netip.AddrPort, error) {
	h, p, ok := strings.Cut(s, ":")
	if !ok || len(h) != 8 {
		return netip.AddrPort{}, fmt.Errorf("not an IPv4 socket address: %q", s)
	}
	raw, err := hex.DecodeString(h)
	if err != nil {
		return netip.AddrPort{}, err
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return netip.AddrPort{}, err
	}
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], binary.BigEndian.Uint32(raw))
	return netip.AddrPortFrom(netip.AddrFrom4(b), uint16(port)), nil
}
