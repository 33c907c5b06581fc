package loopback

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestOwnPeerAcceptsOwnConnection(t *testing.T) {
	if err := Check(); err != nil {
		t.Skipf("no socket table: %v", err)
	}
	got := make(chan bool, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- OwnPeer(r) }))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !<-got {
		t.Error("the test's own connection was taken for another user's")
	}
}
