//go:build linux

package keystore

func secretServiceRunning(opts Options) bool {
	addr, err := sessionBusAddress(opts.getenv)
	if err != nil {
		return false
	}
	conn, err := dialBus(addr)
	if err != nil {
		return false
	}
	defer conn.Close()
	ok, err := serviceAvailable(conn)
	return err == nil && ok
}
