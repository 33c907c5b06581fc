package index

import (
	"encoding/binary"

	"github.com/awsenv/awsenv/internal/config"
)

// rowsRecord is the record of the rows list shows (config.AccountRow,
// config.ProfileRow): no account record ("a"NAME) or section record
// (kind NAME) starts with "#". They are what a whole parse gave when the
// index was written, so list reads them without reading the files, as a
// switch reads the names.
const rowsRecord = "#rows"

// encodeAccountRows lays rows out as a count, then each row's strings
// (encodeStrings); ok is false when one is too long for it.
func encodeAccountRows(rows []config.AccountRow) ([]byte, bool) {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(rows)))
	for _, r := range rows {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(r.Roles)))
		if len(r.Roles) > 0xffff {
			return nil, false
		}
		var ok bool
		if b, ok = encodeStrings(b, append([]string{r.Name, r.AccountID, r.Region}, r.Roles...)); !ok {
			return nil, false
		}
	}
	return b, true
}

func decodeAccountRows(v []byte) ([]config.AccountRow, error) {
	r := rowReader{s: string(v)}
	rows := make([]config.AccountRow, r.u32(len(v)/8))
	for i := range rows {
		nroles := r.u16()
		rows[i] = config.AccountRow{Name: r.str(), AccountID: r.str(), Region: r.str()}
		if nroles > 0 {
			rows[i].Roles = make([]string, nroles)
			for j := range rows[i].Roles {
				rows[i].Roles[j] = r.str()
			}
		}
	}
	if r.bad || r.off != len(r.s) {
		return nil, errIndex
	}
	return rows, nil
}

func encodeProfileRows(rows []config.ProfileRow) ([]byte, bool) {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(rows)))
	for _, r := range rows {
		var ok bool
		if b, ok = encodeStrings(b, []string{r.Name, r.Kind, r.Region, r.Source}); !ok {
			return nil, false
		}
	}
	return b, true
}

func decodeProfileRows(v []byte) ([]config.ProfileRow, error) {
	r := rowReader{s: string(v)}
	rows := make([]config.ProfileRow, r.u32(len(v)/8))
	for i := range rows {
		rows[i] = config.ProfileRow{Name: r.str(), Kind: r.str(), Region: r.str(), Source: r.str()}
	}
	if r.bad || r.off != len(r.s) {
		return nil, errIndex
	}
	return rows, nil
}

// encodeStrings appends each of ss with a two-byte length; ok is false
// when one is longer than that can say.
func encodeStrings(b []byte, ss []string) ([]byte, bool) {
	for _, s := range ss {
		if len(s) > 0xffff {
			return nil, false
		}
		b = appendStr(b, s)
	}
	return b, true
}

// rowReader decodes rows from one string, which every string decoded
// shares: thousands of rows are one allocation, not one for each string.
type rowReader struct {
	s   string
	off int
	bad bool
}

func (r *rowReader) take(n int) string {
	if r.bad || r.off+n > len(r.s) {
		r.bad = true
		return ""
	}
	v := r.s[r.off : r.off+n]
	r.off += n
	return v
}

func (r *rowReader) u16() int {
	b := r.take(2)
	if r.bad {
		return 0
	}
	return int(b[0]) | int(b[1])<<8
}

// u32 reads a count, which can be no more than max: the rows the bytes
// there are could hold, at eight bytes (four empty strings) the least.
func (r *rowReader) u32(max int) int {
	b := r.take(4)
	if r.bad {
		return 0
	}
	n := int(binary.LittleEndian.Uint32([]byte(b)))
	if n > max {
		r.bad = true
		return 0
	}
	return n
}

func (r *rowReader) str() string { return r.take(r.u16()) }
