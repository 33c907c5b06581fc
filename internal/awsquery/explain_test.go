package awsquery

import (
	"context"
	"errors"
	"net"
	"net/url"
	"testing"
	"time"
)

// One explainer for every service: the shared cases word the same for STS
// and IAM but for the service's name; only the services' own codes differ.
func TestExplain(t *testing.T) {
	sts := Endpoint{URL: "http://127.0.0.1:9", From: "AWS_ENDPOINT_URL_STS", Region: "us-east-1", Timeout: 2 * time.Second}
	iam := Endpoint{Service: "iam", URL: "https://iam.amazonaws.com", Region: "us-east-1"}
	refused := &url.Error{Op: "Post", URL: "x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	for _, tc := range []struct {
		ep     Endpoint
		action string
		err    error
		want   string
	}{
		{sts, "GetSessionToken", &Error{Action: "GetSessionToken", Status: 400, Code: "Throttling", Message: "Rate exceeded."},
			"sts at http://127.0.0.1:9 is failing or throttling (Throttling: Rate exceeded): try again in a minute"},
		{iam, "GetUser", &Error{Action: "GetUser", Status: 503, Code: "ServiceUnavailable", Message: "try later"},
			"iam at iam.amazonaws.com is failing or throttling (ServiceUnavailable: try later): try again in a minute"},
		{sts, "GetSessionToken", &Error{Status: 403, Code: "AccessDenied", Message: "MultiFactorAuthentication failed"},
			"the mfa code was refused (wrong, expired or already used): wait for the next code and try again"},
		{iam, "CreateAccessKey", &Error{Status: 409, Code: "LimitExceeded", Message: "Cannot exceed quota"},
			"iam refused CreateAccessKey (LimitExceeded: Cannot exceed quota): the user already has two access keys, the most IAM allows: delete the one not in use first"},
		{iam, "GetUser", &Error{Status: 404, Code: "NoSuchEntity", Message: "no\nsuch user."},
			"iam refused GetUser (NoSuchEntity: no such user)"},
		{sts, "GetCallerIdentity", &AnswerError{Action: "GetCallerIdentity", Problem: "XML syntax error on line 1"},
			"sts at http://127.0.0.1:9 answered GetCallerIdentity with something awsenv cannot use (XML syntax error on line 1): check that the endpoint is STS"},
		{iam, "GetUser", &AnswerError{Action: "GetUser", Problem: "no UserName"},
			"iam at iam.amazonaws.com answered GetUser with something awsenv cannot use (no UserName): check that the endpoint is IAM"},
		{sts, "GetSessionToken", refused,
			"cannot reach sts at http://127.0.0.1:9: connection refused: check the network, proxy or AWS_ENDPOINT_URL_STS"},
		{iam, "GetUser", refused,
			"cannot reach iam at iam.amazonaws.com: connection refused: check the network, proxy or AWS_ENDPOINT_URL_IAM"},
	} {
		got := tc.ep.Explain(context.Background(), tc.action, tc.err, time.Second)
		var ce *CallError
		if !errors.As(got, &ce) || got.Error() != tc.want {
			t.Errorf("%s %s: %v\nwant %s", tc.ep.service(), tc.action, got, tc.want)
			continue
		}
		if !errors.Is(got, tc.err) {
			t.Errorf("%s: the explained error does not unwrap to what failed", tc.want)
		}
		// Explained once: a second explainer leaves it as it is.
		if again := iam.Explain(context.Background(), "Other", got, 0); again != got {
			t.Errorf("explained twice: %v", again)
		}
	}
}

// A caller that knows what the call was for rewords it; the code and what
// failed stay.
func TestReworded(t *testing.T) {
	api := &Error{Status: 403, Code: "AccessDenied", Message: "not authorized"}
	ce := Endpoint{}.Explain(context.Background(), "AssumeRole", api, 0).(*CallError)
	r := ce.Reworded("sts refused to assume x")
	if r.Error() != "sts refused to assume x" || r.Code != "AccessDenied" || r.Action != "AssumeRole" || !errors.Is(r, api) {
		t.Errorf("%+v", r)
	}
	if ce.Error() == r.Error() {
		t.Error("Reworded changed the original")
	}
}
