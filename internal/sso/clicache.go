package sso

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/awsenv/awsenv/internal/fsutil"
)

// The AWS CLI keeps the role credentials it gets with a login in its own
// cache, ~/.aws/cli/cache/<sha1>.json, as {"ProviderType": "sso",
// "Credentials": {...}} (botocore/credentials.py in the CLI v2 source:
// SSOCredentialFetcher); the assume-role and web-identity providers keep
// theirs there too, without that ProviderType. `aws sso logout` deletes
// every file of provider type sso (awscli/customizations/sso/logout.py:
// SSOCredentialSweeper), and so does a logout of awsenv: the file names
// are hashes of the account, role and session, so which login a file came
// from cannot be told, and credentials left there would keep the CLI
// working after the logout. Another session's CLI profiles just get their
// credentials again with that session's token.

// cliCacheDir is the AWS CLI's credential cache folder, ~/.aws/cli/cache
// ("" without HOME); the CLI knows no setting that moves it.
func (c *Client) cliCacheDir() string {
	dir := DefaultCacheDir(c.getenv) // ~/.aws/sso/cache
	if dir == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(filepath.Dir(dir)), "cli", "cache")
}

// sweepCLIRoleCredentials deletes the AWS CLI's cached IAM Identity Center
// role credentials. Only regular *.json files
// directly in the folder are read (never followed through a symlink), and
// one that cannot be read or is not JSON is left, as the CLI leaves it.
func (c *Client) sweepCLIRoleCredentials() error {
	dir := c.cliCacheDir()
	if dir == "" {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read the AWS CLI's cache folder %s: %w", dir, err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if !isSSORoleCredentials(path) {
			continue
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot delete the AWS CLI's cached sso role credentials %s: %w", path, err)
		}
	}
	return nil
}

// isSSORoleCredentials says whether the file at path is a JSON object
// with "ProviderType": "sso".
func isSSORoleCredentials(path string) bool {
	st, err := os.Lstat(path)
	if err != nil || !st.Mode().IsRegular() {
		return false
	}
	data, err := fsutil.ReadText(path, maxCacheFile)
	if err != nil {
		return false
	}
	var f struct {
		ProviderType any `json:"ProviderType"`
	}
	return json.Unmarshal(data, &f) == nil && f.ProviderType == "sso"
}
