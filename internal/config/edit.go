package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/awsenv/awsenv/internal/fsutil"
)

// AccountEntry is an entry awsenv add writes to the accounts file.
type AccountEntry struct {
	ARN    string `json:"arn"`
	Region string `json:"region,omitempty"`
	Keys   string `json:"keys,omitempty"` // where the keys live, "" for the key files
}

// SetAccount adds the account name to the accounts file at path (creating
// the file), or with replace, replaces its entry. Every other byte of the
// file stays as it was; the file is replaced atomically under a lock, and
// left untouched on any error.
func SetAccount(ctx context.Context, path, name string, entry AccountEntry, replace bool) error {
	if err := CheckName(name); err != nil {
		return err
	}
	value, err := json.Marshal(entry)
	if err != nil {
		return err
	}
	return fsutil.EditFile(ctx, "accounts file", path, func() ([]byte, os.FileMode, error) {
		data, info, err := readFile("accounts file", path, maxAccountsFile, "fix the file, or point --config at another")
		mode := os.FileMode(0o600)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			data = []byte("{\n}\n")
		case err != nil:
			return nil, 0, err
		default:
			mode = info.Mode().Perm()
		}
		out, err := setEntry(data, name, value, replace)
		if err == nil && startsWithBOM(path) {
			out = append([]byte(bom), out...) // the reader dropped it; the file keeps it
		}
		if err != nil {
			return nil, 0, fmt.Errorf("cannot add %q to accounts file %s: %w", name, path, err)
		}
		if _, err := ParseAccounts(out); err != nil {
			return nil, 0, fmt.Errorf("cannot add %q to accounts file %s: the result would not parse: %w", name, path, err)
		}
		return out, mode, nil
	})
}

// setEntry inserts or replaces the top-level member name of the JSON
// object data, changing no other byte.
func setEntry(data []byte, name string, value []byte, replace bool) ([]byte, error) {
	if _, err := ParseAccounts(data); err != nil {
		return nil, fmt.Errorf("it does not parse (%w): fix it first", err)
	}
	key, _ := json.Marshal(name)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.Token() // {
	afterOpen := int(dec.InputOffset())
	lastEnd := -1
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keyEnd := int(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		end := int(dec.InputOffset())
		if tok.(string) == name {
			if !replace {
				return nil, fmt.Errorf("account %q exists: use --force to replace it", name)
			}
			start := keyEnd + bytes.Index(data[keyEnd:end], raw)
			return concat(data[:start], value, data[start+len(raw):]), nil
		}
		lastEnd = end
	}
	entry := concat([]byte("\n  "), key, []byte(": "), value)
	if lastEnd < 0 {
		return concat(data[:afterOpen], entry, []byte("\n"), bytes.TrimLeft(data[afterOpen:], " \t\r\n")), nil
	}
	return concat(data[:lastEnd], []byte(","), entry, data[lastEnd:]), nil
}

const bom = "\xef\xbb\xbf"

func startsWithBOM(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, 3)
	n, _ := f.Read(b)
	return string(b[:n]) == bom
}

func concat(parts ...[]byte) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		b.Write(p)
	}
	return b.Bytes()
}

// WriteKeys writes an account's key files (and NAME.user) into dir, mode
// 0600 in a 0700 directory, each atomically. On an error, the files it
// wrote are removed again.
func WriteKeys(dir, name string, keys Keys, user string) (err error) {
	if err := CheckName(name); err != nil {
		return err
	}
	if !validAccessKeyID(keys.AccessKeyID) || !validSecret(keys.SecretAccessKey) {
		return errors.New("refusing to write malformed keys")
	}
	if err := checkUser(user); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create the credential directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("cannot make the credential directory %s mode 700: %w", dir, err)
	}
	ak, sk := KeyFiles(dir, name)
	files := []struct{ path, content string }{
		{ak, keys.AccessKeyID + "\n"}, {sk, keys.SecretAccessKey + "\n"}, {filepath.Join(dir, name+".user"), user + "\n"},
	}
	var written []string
	defer func() {
		if err != nil {
			for _, p := range written {
				os.Remove(p)
			}
		}
	}()
	for _, f := range files {
		if f.content == "\n" {
			continue
		}
		if _, statErr := os.Lstat(f.path); statErr != nil {
			written = append(written, f.path)
		}
		if err := fsutil.WriteFile(f.path, []byte(f.content), 0o600); err != nil {
			return fmt.Errorf("cannot write %s: %w", f.path, err)
		}
	}
	return nil
}

// SetAccountKeys records where account name's keys live: the "keys"
// member of its entry ("" or "files" removes it, as the key files are the
// default). An entry of the old string form becomes an object. Every
// other byte of the file stays; the file is replaced atomically under its
// lock (fsutil.EditFile), the one awsenv add takes.
func SetAccountKeys(ctx context.Context, path, name, keys string) error {
	return fsutil.EditFile(ctx, "accounts file", path, func() ([]byte, os.FileMode, error) {
		accounts, err := LoadAccounts(path, false)
		if err != nil {
			return nil, 0, err
		}
		acc := accounts.Get(name)
		if acc == nil {
			return nil, 0, fmt.Errorf("account %q is not in %s", name, path)
		}
		data, info, err := readFile("accounts file", path, maxAccountsFile, "fix the file, or point --config at another")
		if err != nil {
			return nil, 0, err
		}
		raw, err := entryOf(data, name)
		if err != nil {
			return nil, 0, err
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			obj = map[string]json.RawMessage{"arn": raw} // the old form: an ARN prefix string
		}
		if keys == "" || keys == "files" {
			delete(obj, "keys")
		} else {
			obj["keys"], _ = json.Marshal(keys)
		}
		// Members in a stable order, arn first, as awsenv add writes them.
		var b bytes.Buffer
		b.WriteString("{")
		names := make([]string, 0, len(obj))
		for k := range obj {
			if k != "arn" {
				names = append(names, k)
			}
		}
		sortStrings(names)
		if _, ok := obj["arn"]; ok {
			names = append([]string{"arn"}, names...)
		}
		for i, k := range names {
			if i > 0 {
				b.WriteString(", ")
			}
			kq, _ := json.Marshal(k)
			b.Write(kq)
			b.WriteString(": ")
			b.Write(obj[k])
		}
		b.WriteString("}")
		out, err := setEntry(data, name, b.Bytes(), true)
		if err != nil {
			return nil, 0, err
		}
		if startsWithBOM(path) {
			out = append([]byte(bom), out...)
		}
		if _, err := ParseAccounts(out); err != nil {
			return nil, 0, fmt.Errorf("cannot record where the keys of %q live: the result would not parse: %w", name, err)
		}
		return out, info.Mode().Perm(), nil
	})
}

// entryOf is the raw JSON of the top-level member name of data.
func entryOf(data []byte, name string) (json.RawMessage, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	raw, ok := all[name]
	if !ok {
		return nil, fmt.Errorf("account %q is not in the accounts file", name)
	}
	return raw, nil
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// WriteUser writes NAME.user (mode 0600, in a 0700 directory): the IAM
// user of an account whose keys live in a keyring.
func WriteUser(dir, name, user string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if err := checkUser(user); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create the credential directory: %w", err)
	}
	path := filepath.Join(dir, name+".user")
	if err := fsutil.WriteFile(path, []byte(user+"\n"), 0o600); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// checkUser refuses an IAM user name (from STS's answer) that would not
// stay on the one line of NAME.user.
func checkUser(user string) error {
	if user == "" {
		return nil
	}
	if err := checkValue(user); err != nil {
		return fmt.Errorf("refusing to write the user name %+q, nothing written: %w", user, err)
	}
	return nil
}
