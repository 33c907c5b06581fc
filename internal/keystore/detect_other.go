//go:build !linux

package keystore

func secretServiceRunning(Options) bool { return false }
