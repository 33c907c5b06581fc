package sso

import (
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// What the portal answers about accounts and roles ends up in files (sso
// populate writes profiles into ~/.aws/config) and on the terminal, so
// each value is held to AWS's own rules for it before anyone uses it; a
// value outside them is the answer of a broken or hostile endpoint, and
// the whole answer is refused.

// maxAccountName bounds an account name: AWS Organizations allows 50
// characters; the slack is for names the portal shows in other scripts.
const maxAccountName = 256

// checkAccountID says what is wrong with an account id that is not 12
// digits, or "".
func checkAccountID(id string) string {
	if len(id) != 12 {
		return "account id " + strconv.Quote(id) + ", which is not 12 digits"
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return "account id " + strconv.Quote(id) + ", which is not 12 digits"
		}
	}
	return ""
}

// checkRoleName says what is wrong with a role name outside IAM's rule
// for role names, [\w+=,.@-]{1,64}, or "".
func checkRoleName(name string) string {
	ok := len(name) >= 1 && len(name) <= 64
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '-'
	}
	if !ok {
		return "role name " + strconv.Quote(name) + ", which is not an IAM role name (up to 64 of letters, digits and _+=,.@-)"
	}
	return ""
}

// checkDisplayName says what is wrong with a name meant to be shown (an
// account name, an email address): it must be UTF-8 of printable
// characters and spaces, with no line break or control character, and not
// too long. "" when it is fine; an empty name is fine (the portal may omit it).
func checkDisplayName(what, name string) string {
	bad := !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxAccountName
	for _, r := range name {
		if bad {
			break
		}
		bad = r != ' ' && !unicode.IsPrint(r)
	}
	if bad {
		return fmt.Sprintf("%s %+q, which is not a printable name on one line", what, name)
	}
	return ""
}

// checkCredentials says what is wrong with role credentials that are not
// what AWS issues (an access key id of capitals and digits; a secret and a
// session token of printable ASCII, no space), or "". They go into files
// and shell statements; the message never shows them.
func checkCredentials(keyID, secret, token string) string {
	ok := len(keyID) >= 16 && len(keyID) <= 128
	for i := 0; ok && i < len(keyID); i++ {
		c := keyID[i]
		ok = c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	switch {
	case !ok:
		return "an access key id that is not one (16 to 128 capitals and digits)"
	case !printableASCII(secret):
		return "a secret access key that is not printable ASCII on one line"
	case !printableASCII(token):
		return "a session token that is not printable ASCII on one line"
	}
	return ""
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return s != ""
}
