//go:build linux

package keystore

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus"
)

// startProcess starts cmd in its own process group and stops it (by its
// id) when the test ends.
func startProcess(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
}

// sessionBus starts a private D-Bus session bus that activates nothing, so
// a stopped keyring daemon stays stopped. It returns the bus address.
func sessionBus(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon is not installed (apt-get install dbus): the secret-service tests are skipped")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "session.conf")
	os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=`+filepath.Join(dir, "bus")+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o600)
	cmd := exec.Command(bin, "--config-file="+conf, "--nofork", "--print-address=1")
	out, _ := cmd.StdoutPipe()
	startProcess(t, cmd)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	return strings.TrimSpace(line)
}

// gnomeKeyring runs gnome-keyring-daemon's Secret Service on a new session
// bus, its login keyring unlocked with a test password. It returns the
// environment for the store and a func that stops the daemon.
func gnomeKeyring(t *testing.T) (getenv func(string) string, home string, stop func()) {
	t.Helper()
	bin, err := exec.LookPath("gnome-keyring-daemon")
	if err != nil {
		t.Skip("gnome-keyring-daemon is not installed (apt-get install gnome-keyring dbus-x11): the secret-service tests are skipped")
	}
	addr := sessionBus(t)
	home = t.TempDir()
	run := filepath.Join(home, "run")
	os.Mkdir(run, 0o700)
	cmd := exec.Command(bin, "--foreground", "--unlock", "--components=secrets")
	cmd.Env = []string{"HOME=" + home, "XDG_RUNTIME_DIR=" + run, "DBUS_SESSION_BUS_ADDRESS=" + addr, "PATH=" + os.Getenv("PATH")}
	cmd.Stdin = strings.NewReader("test password")
	startProcess(t, cmd)
	stop = func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	}
	getenv = env("DBUS_SESSION_BUS_ADDRESS", addr, "HOME", home)
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := dialBus(addr)
		if err == nil {
			var has bool
			err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, ssName).Store(&has)
			var coll dbus.ObjectPath
			if err == nil && has {
				err = conn.Object(ssName, ssPath).Call(ssIface+"Service.ReadAlias", 0, "default").Store(&coll)
			}
			conn.Close()
			if err == nil && has && coll != noPath {
				return getenv, home, stop
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("gnome-keyring-daemon did not come up on the bus: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSecretService(t *testing.T) {
	getenv, home, stop := gnomeKeyring(t)
	opts := Options{CredDir: filepath.Join(home, "aws-creds"), Getenv: getenv}
	s, err := New(Location{Keyring: true, Backend: "secret-service"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	contract(t, s)
	v, _ := NewSecrets(Location{Keyring: true, Backend: "secret-service"}, opts)
	secretsContract(t, v)
	if err := s.Set("work", keysA); err != nil {
		t.Fatal(err)
	}
	// Another client of the real service finds the item by its attributes.
	if tool, err := exec.LookPath("secret-tool"); err == nil {
		cmd := exec.Command(tool, "lookup", "application", "awsenv", "account", "work")
		cmd.Env = []string{"DBUS_SESSION_BUS_ADDRESS=" + getenv("DBUS_SESSION_BUS_ADDRESS"), "HOME=" + home}
		out, err := cmd.Output()
		if err != nil || !strings.Contains(string(out), keysA.SecretAccessKey) {
			t.Errorf("secret-tool lookup: %v, %d bytes", err, len(out))
		}
	}
	noSecretIn(t, home)
	// auto finds it.
	if b, _ := Detect(opts); b != "secret-service" {
		t.Errorf("Detect = %q with a running secret service", b)
	}

	// Locked, with no display to ask on: one line, at once, no prompt.
	conn, err := dialBus(getenv("DBUS_SESSION_BUS_ADDRESS"))
	if err != nil {
		t.Fatal(err)
	}
	var coll dbus.ObjectPath
	conn.Object(ssName, ssPath).Call(ssIface+"Service.ReadAlias", 0, "default").Store(&coll)
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := conn.Object(ssName, ssPath).Call(ssIface+"Service.Lock", 0, []dbus.ObjectPath{coll}).Store(&locked, &prompt); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	start := time.Now()
	_, err = mustNew(t, "secret-service", opts).Get("work")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "the secret-service keyring is locked and there is no display") {
		t.Errorf("locked: %v", err)
	}
	if time.Since(start) > 30*time.Second {
		t.Errorf("a locked keyring took %s to fail", time.Since(start))
	}
	oneLineError(t, err)

	// With a display, the keyring's own prompt is shown; here it cannot be
	// (no prompter, no X server), and the service says so at once.
	defer func(d time.Duration) { promptTimeout = d }(promptTimeout)
	promptTimeout = 5 * time.Second
	withDisplay := opts
	withDisplay.Getenv = func(k string) string {
		if k == "DISPLAY" {
			return ":99"
		}
		return getenv(k)
	}
	_, err = mustNew(t, "secret-service", withDisplay).Get("work")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "the secret-service keyring stayed locked") &&
		!strings.Contains(err.Error(), "nobody answered within 5s") {
		t.Errorf("locked, prompt not shown: %v", err)
	}
	oneLineError(t, err)

	// The daemon stopped.
	stop()
	_, err = mustNew(t, "secret-service", opts).Get("work")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "nothing on the D-Bus session bus provides it") {
		t.Errorf("stopped: %v", err)
	}
	oneLineError(t, err)
	if b, _ := Detect(opts); b == "secret-service" {
		t.Error("Detect chose a secret service that is not running")
	}
}

// No session bus: an error, and never dbus-launch.
func TestSecretServiceNoBus(t *testing.T) {
	fake := t.TempDir()
	marker := filepath.Join(fake, "ran")
	os.WriteFile(filepath.Join(fake, "dbus-launch"), []byte("#!/bin/sh\ntouch "+marker+"\nexit 1\n"), 0o755)
	t.Setenv("PATH", fake+":"+os.Getenv("PATH"))
	_, err := mustNew(t, "secret-service", Options{CredDir: t.TempDir(), Getenv: env("HOME", t.TempDir())}).Get("work")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "there is no D-Bus session bus") {
		t.Errorf("no bus: %v", err)
	}
	oneLineError(t, err)
	if _, err := os.Stat(marker); err == nil {
		t.Error("dbus-launch was run")
	}
}

func mustNew(t *testing.T, backend string, opts Options) Store {
	t.Helper()
	s, err := New(Location{Keyring: true, Backend: backend}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func oneLineError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if m := err.Error(); strings.Contains(m, "\n") || m != strings.ToLower(m[:1])+m[1:] {
		t.Errorf("not one lowercase line: %q", m)
	}
}

// passStore makes a throwaway GnuPG home with a key without passphrase
// and a pass store for it.
func passStore(t *testing.T) (getenv func(string) string, home string) {
	t.Helper()
	for _, tool := range []string{"pass", "gpg", "gpgconf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install pass gnupg): the pass tests are skipped", tool)
		}
	}
	home = t.TempDir()
	gnupg := filepath.Join(home, "g")
	os.Mkdir(gnupg, 0o700)
	store := filepath.Join(home, ".password-store")
	t.Setenv("GNUPGHOME", gnupg) // pass runs gpg in awsenv's environment
	t.Setenv("PASSWORD_STORE_DIR", store)
	t.Cleanup(func() { exec.Command("gpgconf", "--kill", "gpg-agent").Run() })
	run := func(name string, args ...string) string {
		t.Helper()
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", "awsenv test <test@awsenv.invalid>", "default", "default", "never")
	var fpr string
	for _, line := range strings.Split(run("gpg", "--batch", "--with-colons", "--list-keys"), "\n") {
		if f := strings.Split(line, ":"); f[0] == "fpr" && len(f) > 9 {
			fpr = f[9]
			break
		}
	}
	if fpr == "" {
		t.Fatal("no key fingerprint")
	}
	run("pass", "init", fpr)
	return env("PASSWORD_STORE_DIR", store, "HOME", home), home
}

func TestPass(t *testing.T) {
	getenv, home := passStore(t)
	opts := Options{CredDir: filepath.Join(home, "aws-creds"), Getenv: getenv}
	s := mustNew(t, "pass", opts)
	if s.Where() != "the pass store "+filepath.Join(home, ".password-store") {
		t.Errorf("Where %q", s.Where())
	}
	contract(t, s)
	v, _ := NewSecrets(Location{Keyring: true, Backend: "pass"}, opts)
	secretsContract(t, v)
	if err := s.Set("work", keysA); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, ".password-store", "awsenv", "work.gpg")); err != nil {
		t.Errorf("no awsenv/work entry: %v", err)
	}
	out, err := exec.Command("pass", "show", "awsenv/work").Output()
	if err != nil || !strings.Contains(string(out), "AKIAAAAAAAAAAAAAAAAA") {
		t.Errorf("pass show: %v", err)
	}
	noSecretIn(t, home)
	if b, _ := Detect(Options{Getenv: getenv}); b != "pass" {
		t.Errorf("Detect = %q with a pass store and no secret service", b)
	}
}

func TestPassNotSetUp(t *testing.T) {
	if _, err := exec.LookPath("pass"); err != nil {
		t.Skip("pass is not installed (apt-get install pass)")
	}
	dir := t.TempDir()
	_, err := mustNew(t, "pass", Options{Getenv: env("PASSWORD_STORE_DIR", dir)}).Get("work")
	want := fmt.Sprintf("the pass store %s is not set up (it has no .gpg-id): run pass init GPG-KEY-ID", dir)
	if !errors.Is(err, ErrUnavailable) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
}
