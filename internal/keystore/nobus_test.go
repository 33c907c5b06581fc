package keystore

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/99designs/keyring"
)

func TestMain(m *testing.M) {
	if os.Getenv("KEYSTORE_TEST_PRINT_BUS") == "1" {
		// A process that links keystore, as awsenv does: what did keyring's
		// init see, and what is left in the environment?
		v, ok := os.LookupEnv("DBUS_SESSION_BUS_ADDRESS")
		fmt.Printf("%v %q %v\n", ok, v, keyring.AvailableBackends())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Linking keyring must not touch D-Bus at start-up: no connection, no
// dbus-launch (which would leave a dbus-daemon behind on every run), and the
// environment handed on to children unchanged.
func TestStartTouchesNoBus(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("keyring's init connects to D-Bus only on Linux")
	}
	fake := t.TempDir()
	marker := filepath.Join(fake, "ran")
	os.WriteFile(filepath.Join(fake, "dbus-launch"), []byte("#!/bin/sh\ntouch "+marker+"\nexit 1\n"), 0o755)
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{name: "unset", env: nil, want: `false ""`},
		{name: "set", env: []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(fake, "nobus")}, want: fmt.Sprintf("true %q", "unix:path="+filepath.Join(fake, "nobus"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(marker)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append([]string{"KEYSTORE_TEST_PRINT_BUS=1", "PATH=" + fake + ":/usr/bin:/bin", "HOME=" + fake}, tc.env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if !strings.HasPrefix(string(out), tc.want+" ") {
				t.Errorf("child saw %s, want %s", out, tc.want)
			}
			if strings.Contains(string(out), "secret-service") || strings.Contains(string(out), "kwallet") {
				t.Errorf("keyring's init reached the bus: %s", out)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Error("dbus-launch was run at start-up")
			}
		})
	}
	if bs := keyring.AvailableBackends(); slices.Contains(bs, keyring.SecretServiceBackend) {
		t.Errorf("keyring registered its secret-service backend: %v", bs)
	}
}
