package ststest

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"time"
)

// IAM's Query API, as far as awsenv's doctor asks it: the age of the
// caller's own access key. Signed for the "iam" service; answered in the
// same envelope as STS (awsenv's client reads the elements, not the
// namespace).
const (
	iamVersion = "2010-05-08"
	iamService = "iam"
)

// iamAction returns the handler of an IAM action, or nil.
func (s *Server) iamAction(name string) actionFunc {
	if name == "ListAccessKeys" {
		return s.listAccessKeys
	}
	return nil
}

type listAccessKeysResult struct {
	XMLName     xml.Name            `xml:"ListAccessKeysResult"`
	Keys        []accessKeyMetadata `xml:"AccessKeyMetadata>member"`
	IsTruncated bool                `xml:"IsTruncated"`
}

type accessKeyMetadata struct {
	UserName    string `xml:"UserName"`
	AccessKeyID string `xml:"AccessKeyId"`
	Status      string `xml:"Status"`
	CreateDate  string `xml:"CreateDate"`
}

// listAccessKeys lists the access key of the caller's IAM user (a user may
// ask about itself only, as the usual self-management policy allows).
func (s *Server) listAccessKeys(c *credential, p url.Values, _ time.Time) (any, *apiError) {
	u := c.user
	if u == nil {
		return nil, newAPIError(http.StatusForbidden, "AccessDenied", "User: "+c.arn+" is not authorized to perform: iam:ListAccessKeys")
	}
	if name := p.Get("UserName"); name != "" && name != u.Name {
		return nil, newAPIError(http.StatusForbidden, "AccessDenied", "User: "+c.arn+" is not authorized to perform: iam:ListAccessKeys on resource: user "+name)
	}
	return &listAccessKeysResult{Keys: []accessKeyMetadata{{UserName: u.Name, AccessKeyID: u.AccessKeyID, Status: "Active",
		CreateDate: u.created.UTC().Format(time.RFC3339)}}}, nil
}
