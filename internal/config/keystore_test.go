package config

import (
	"strings"
	"testing"
)

// The "keys" setting records where an account's long-lived keys live.
func TestKeyStoreSetting(t *testing.T) {
	for _, tc := range []struct {
		keys, want, err string
	}{
		{keys: "", want: ""},
		{keys: `"files"`, want: ""},
		{keys: `"keyring"`, want: "keyring"},
		{keys: `"keyring:secret-service"`, want: "keyring:secret-service"},
		{keys: `"keyring:pass"`, want: "keyring:pass"},
		{keys: `"keyring:keyctl"`, want: "keyring:keyctl"},
		{keys: `"keyring:file"`, want: "keyring:file"},
		{keys: `"keyring:keychain"`, want: "keyring:keychain"},
		{keys: `"keyring:wincred"`, want: "keyring:wincred"},
		{keys: `"keyring:"`, err: `account "work": keys "keyring:" is not "files", "keyring" or "keyring:BACKEND" with BACKEND one of secret-service, pass, keyctl, file, keychain, wincred`},
		{keys: `"keyring:kwallet"`, err: `keys "keyring:kwallet" is not`},
		{keys: `"Keyring"`, err: `keys "Keyring" is not`},
		{keys: `"file"`, err: `keys "file" is not`},
		{keys: `true`, err: `account "work": cannot unmarshal bool`},
	} {
		t.Run(tc.keys, func(t *testing.T) {
			entry := `"arn": "arn:aws:iam::123456789012:"`
			if tc.keys != "" {
				entry += `, "keys": ` + tc.keys
			}
			list, err := ParseAccounts([]byte(`{"work": {` + entry + `}}`))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := list[0].KeyStore; got != tc.want {
				t.Errorf("KeyStore = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestKeyStoreNotForWebIdentity(t *testing.T) {
	_, err := ParseAccounts([]byte(`{"sso": {"keys": "keyring", "web_identity": {"issuer": "https://idp.example", "client_id": "c", "role_arn": "arn:aws:iam::123456789012:role/r"}}}`))
	if err == nil || !strings.Contains(err.Error(), `account "sso": "keys" does not apply to a web_identity account`) {
		t.Fatalf("error %v", err)
	}
}

// The old string form has no setting: its keys are the key files.
func TestKeyStoreStringForm(t *testing.T) {
	list, err := ParseAccounts([]byte(`{"personal": "arn:aws:iam::987654321012:"}`))
	if err != nil || list[0].KeyStore != "" {
		t.Fatalf("KeyStore %q, err %v", list[0].KeyStore, err)
	}
}
