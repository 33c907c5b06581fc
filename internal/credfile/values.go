package credfile

import "fmt"

// check refuses values that would not stay on their one line of the file
// (a line break would add keys and sections of its own: a [default] with a
// credential_process) or that readers would not read back: anything but
// printable ASCII without spaces. Credentials and region names are all of
// that; values that are not come from a broken or hostile answer.
func (v Values) check(path string) error {
	for _, f := range []struct{ key, value string }{
		{"aws_access_key_id", v.AccessKeyID}, {"aws_secret_access_key", v.SecretAccessKey},
		{"aws_session_token", v.SessionToken}, {"region", v.Region},
	} {
		for i := 0; i < len(f.value); i++ {
			if c := f.value[i]; c <= ' ' || c >= 0x7f {
				return fmt.Errorf("refusing to write %s into %s: the value has a space, line break or byte outside printable ASCII; nothing was changed", f.key, path)
			}
		}
	}
	return nil
}
