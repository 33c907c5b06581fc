// Package iamtest runs moto_server in authenticated mode for the tests of
// iamapi and rotate: after the three unsigned calls that make its admin
// user, every request must be signed with real keys of a user whose policy
// allows it, and IAM keeps real state (users, keys, policies).
// It starts processes the Unix way (a process group it kills), so it is
// built on Unix only.
package iamtest
