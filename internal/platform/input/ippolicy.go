package input

import (
	"net/netip"
	"strconv"
	"strings"
)

// refusedV4 are the IPv4 ranges that are not globally reachable unicast
// (IANA special-purpose registry): fetching them would let a caller reach
// the operator's own network.
var refusedV4 = mustPrefixes(
	"0.0.0.0/8",          // "this network", includes the unspecified address
	"10.0.0.0/8",         // private
	"100.64.0.0/10",      // carrier-grade NAT
	"127.0.0.0/8",        // loopback
	"169.254.0.0/16",     // link-local, cloud metadata services
	"172.16.0.0/12",      // private
	"192.0.0.0/24",       // IETF protocol assignments
	"192.0.2.0/24",       // documentation
	"192.88.99.0/24",     // 6to4 relay anycast
	"192.168.0.0/16",     // private
	"198.18.0.0/15",      // benchmarking
	"198.51.100.0/24",    // documentation
	"203.0.113.0/24",     // documentation
	"224.0.0.0/4",        // multicast
	"240.0.0.0/4",        // reserved, includes broadcast
	"255.255.255.255/32", // limited broadcast
)

// refusedV6 are the IPv6 ranges refused outright. The ones that embed an
// IPv4 address (mapped, compatible, NAT64, Teredo) are refused whatever the
// embedded address, since the gateway translating them is out of our sight;
// 6to4 is judged by its embedded address (see forbidden).
var refusedV6 = mustPrefixes(
	"::/96",          // IPv4-compatible, includes :: and ::1
	"::ffff:0:0/96",  // IPv4-mapped
	"64:ff9b::/96",   // NAT64 well-known prefix
	"64:ff9b:1::/48", // NAT64 local-use
	"100::/64",       // discard-only
	"2001::/32",      // Teredo
	"2001:db8::/32",  // documentation
	"2001:10::/28",   // ORCHID
	"2001:20::/28",   // ORCHIDv2
	"3fff::/20",      // documentation
	"5f00::/16",      // SRv6 SIDs
	"fc00::/7",       // unique local
	"fe80::/10",      // link-local
	"fec0::/10",      // site-local (deprecated)
	"ff00::/8",       // multicast
)

var sixToFour = netip.MustParsePrefix("2002::/16")

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// forbidden reports why addr may not be fetched, or "" when it may.
func forbidden(addr netip.Addr) string {
	if !addr.IsValid() {
		return "invalid address"
	}
	addr = addr.WithZone("")
	if addr.Is4() {
		for _, p := range refusedV4 {
			if p.Contains(addr) {
				return "address " + addr.String() + " is in " + p.String()
			}
		}
		return ""
	}
	for _, p := range refusedV6 {
		if p.Contains(addr) {
			return "address " + addr.String() + " is in " + p.String()
		}
	}
	if sixToFour.Contains(addr) {
		b := addr.As16()
		v4 := netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
		if why := forbidden(v4); why != "" {
			return "6to4 address " + addr.String() + " embeds a refused IPv4: " + why
		}
	}
	return ""
}

// nonCanonicalIPv4 reports whether host is an IPv4 address written in one of
// the legacy inet_aton forms — decimal (2130706433), octal (0177.0.0.1), hex
// (0x7f.1), or with fewer than four parts (127.1) — or anything else made of
// numeric parts that is not a plain dotted quad. Some resolvers and proxies
// accept these spellings, so they are refused rather than interpreted.
func nonCanonicalIPv4(host string) bool {
	h := strings.TrimSuffix(host, ".")
	if h == "" || strings.Contains(h, ":") { // IPv6 literals are judged by address
		return false
	}
	parts := strings.Split(h, ".")
	// Only the last label decides whether a name could be numeric: a real
	// DNS name has an alphabetic top-level label.
	last := parts[len(parts)-1]
	if !numericPart(last) {
		return false
	}
	if a, err := netip.ParseAddr(h); err == nil && a.Is4() && h == host {
		return false // plain dotted quad, judged by address
	}
	return true
}

// numericPart reports whether s is a decimal, octal or hex number as
// inet_aton would read it.
func numericPart(s string) bool {
	if s == "" {
		return false
	}
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		_, err := strconv.ParseUint(s[2:], 16, 64)
		return err == nil
	}
	if len(s) == 2 && (s == "0x" || s == "0X") {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
