package api

import (
	"net"
	"net/http/httptest"
	"testing"
)

// D-19: the client address of rate limits is the direct peer; a listed
// proxy's X-Forwarded-For is read past listed proxies only. echo's own
// default would also trust every loopback, link-local and private peer,
// so a client on the municipality's network could name any address.
func TestClientIPTrustsOnlyListedProxies_D19(t *testing.T) {
	t.Parallel()
	_, listed, err := net.ParseCIDR("192.0.2.0/28")
	if err != nil {
		t.Fatal(err)
	}
	_, loopProxy, _ := net.ParseCIDR("127.0.0.1/32")
	for _, tc := range []struct {
		name    string
		proxies []*net.IPNet
		peer    string
		xff     string
		want    string
	}{
		{"no proxies: the peer, XFF ignored", nil, "198.51.100.9", "203.0.113.5", "198.51.100.9"},
		{"no proxies: a private peer too", nil, "10.1.2.3", "203.0.113.5", "10.1.2.3"},
		{"listed proxy: the client it names", []*net.IPNet{listed}, "192.0.2.10", "203.0.113.5", "203.0.113.5"},
		{"listed proxy without XFF: the proxy", []*net.IPNet{listed}, "192.0.2.10", "", "192.0.2.10"},
		{"private peer not listed: the peer", []*net.IPNet{listed}, "10.1.2.3", "203.0.113.5", "10.1.2.3"},
		{"loopback peer not listed: the peer", []*net.IPNet{listed}, "127.0.0.1", "203.0.113.5", "127.0.0.1"},
		{"link-local peer not listed: the peer", []*net.IPNet{listed}, "169.254.1.1", "203.0.113.5", "169.254.1.1"},
		{"a private hop behind the listed proxy is the client", []*net.IPNet{listed}, "192.0.2.10", "203.0.113.5, 10.9.9.9", "10.9.9.9"},
		{"two listed proxies in a row", []*net.IPNet{listed}, "192.0.2.10", "203.0.113.5, 192.0.2.11", "203.0.113.5"},
		{"a loopback proxy when listed", []*net.IPNet{loopProxy}, "127.0.0.1", "203.0.113.5", "203.0.113.5"},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = net.JoinHostPort(tc.peer, "40000")
		if tc.xff != "" {
			req.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := clientIP(tc.proxies)(req); got != tc.want {
			t.Errorf("%s: client %s, want %s", tc.name, got, tc.want)
		}
	}
}
