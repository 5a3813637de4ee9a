// Command sign prints the headers of one request signed by the official
// SDK's signer, one "Name: value" per line, for wrk's -H: the gateway
// benchmark replays the same signed request (valid for the 15 min clock
// skew the gateway accepts). With -corrupt the signature is altered, for
// the bad-signature path.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
)

func main() {
	method := flag.String("method", "POST", "HTTP method")
	rawURL := flag.String("url", "", "request URL")
	body := flag.String("body", "", "JSON body")
	bodyFile := flag.String("body-file", "", "read the JSON body from this file")
	corrupt := flag.Bool("corrupt", false, "alter the signature")
	flag.Parse()
	if *bodyFile != "" {
		b, err := os.ReadFile(*bodyFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sign:", err)
			os.Exit(1)
		}
		*body = string(b)
	}
	u, err := url.Parse(*rawURL)
	if err != nil || *rawURL == "" {
		fmt.Fprintln(os.Stderr, "sign: -url is required")
		os.Exit(2)
	}
	b := request.NewHttpRequestBuilder().WithEndpoint(u.Scheme+"://"+u.Host).WithPath(u.Path).WithMethod(*method).
		AddHeaderParam("X-Sdk-Date", time.Now().UTC().Format("20060102T150405Z"))
	if *body != "" {
		b.AddHeaderParam("Content-Type", "application/json").WithBody("application/json", *body)
	}
	req := b.Build()
	hdr, err := signer.Sign(req, os.Getenv("AISD_ROOT_AK"), os.Getenv("AISD_ROOT_SK"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "sign:", err)
		os.Exit(1)
	}
	if *body != "" {
		fmt.Println("Content-Type: application/json")
	}
	for k, v := range hdr {
		if *corrupt && k == "Authorization" {
			v = v[:len(v)-4] + "0000"
		}
		fmt.Printf("%s: %s\n", k, v)
	}
}
