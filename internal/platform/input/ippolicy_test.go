package input

import (
	"net/netip"
	"testing"
)

func TestForbiddenAddresses(t *testing.T) {
	refused := []string{
		"127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255",
		"192.168.1.1", "100.64.0.1", "100.127.255.254", "169.254.169.254", "0.0.0.0",
		"0.1.2.3", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1",
		"192.0.2.1", "198.18.0.1",
		"::", "::1", "::127.0.0.1", "::ffff:127.0.0.1", "::ffff:8.8.8.8", "64:ff9b::808:808",
		"64:ff9b:1::1", "2001::1", "2001:db8::1", "fc00::1", "fd12:3456::1", "fe80::1",
		"fe80::1%eth0", "fec0::1", "ff02::1", "2002:c0a8:0101::1", "2002:7f00:1::",
	}
	for _, s := range refused {
		if why := forbidden(netip.MustParseAddr(s)); why == "" {
			t.Errorf("%s allowed, want refused", s)
		}
	}
	allowed := []string{
		"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "169.253.0.1", "223.255.255.255",
		"2606:4700:4700::1111", "2a00:1450:4001::200e", "2002:0808:0808::1",
	}
	for _, s := range allowed {
		if why := forbidden(netip.MustParseAddr(s)); why != "" {
			t.Errorf("%s refused (%s), want allowed", s, why)
		}
	}
}

func TestNonCanonicalIPv4(t *testing.T) {
	for host, want := range map[string]bool{
		"2130706433":         true,
		"0177.0.0.1":         true,
		"0x7f.1":             true,
		"0x7f000001":         true,
		"127.1":              true,
		"127.0.1":            true,
		"0":                  true,
		"127.0.0.1.":         true,
		"1.2.3.4.5":          true,
		"127.0.0.1":          false,
		"example.com":        false,
		"1.2.3.com":          false,
		"0x.example":         false,
		"localhost":          false,
		"xn--80ak6aa92e.com": false,
	} {
		if got := nonCanonicalIPv4(host); got != want {
			t.Errorf("nonCanonicalIPv4(%q) = %v, want %v", host, got, want)
		}
	}
}
