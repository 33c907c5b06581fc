// Package loopback guards awsenv's one-time servers on 127.0.0.1 (the
// console link's redirect, the OIDC login's callback) against other local
// users.
//
// The browser gets such a server's address on its command line, and on
// Linux every local user can read every command line (/proc/PID/cmdline):
// the address is no secret there, and another user who polls the process
// table could fetch it first. So a server answers only connections whose
// socket belongs to the current user (or root, who can read awsenv's memory
// anyway, and whose relay carries a Windows browser's connection on WSL),
// as the kernel's socket table says; anyone else gets 403 and the address
// stays good for the browser.
package loopback
