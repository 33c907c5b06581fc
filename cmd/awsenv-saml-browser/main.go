// Command awsenv-saml-browser drives a Chrome-family browser for awsenv's
// SAML sign-in (saml.GetAssertion runs it; it is not for people to run).
// It is a binary of its own so that awsenv, which runs in every shell
// prompt, does not link the DevTools protocol's packages and pay for their
// start-up.
package main

import (
	"os"

	"github.com/awsenv/awsenv/internal/saml/browser"
)

func main() {
	os.Exit(browser.Main(os.Stdin, os.Stdout, os.Stderr))
}
