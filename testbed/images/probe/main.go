// probe is the test bed's node test image: one static binary (CGO_ENABLED=0,
// standard library only) that serves HTTP and, run through `kubectl exec`,
// makes the client calls the node test checks from inside a pod.
//
//	probe serve [ADDR]   HTTP on ADDR (default :8080): "probe <hostname>\n"
//	probe get URL        GET URL, print the body (fails on non-2xx)
//	probe lookup NAME    resolve NAME through the pod's /etc/resolv.conf
//	probe tcp HOST:PORT  open a TCP connection (e.g. to the Kafka broker)
//	probe apiserver      GET https://kubernetes.default.svc/version with the
//	                     pod's service-account token and CA; print gitVersion
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

const saDir = "/var/run/secrets/kubernetes.io/serviceaccount"

func main() {
	if len(os.Args) < 2 {
		die("usage: probe serve [ADDR] | get URL | lookup NAME | tcp HOST:PORT | apiserver")
	}
	switch os.Args[1] {
	case "serve":
		addr := ":8080"
		if len(os.Args) > 2 {
			addr = os.Args[2]
		}
		host, _ := os.Hostname()
		http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "probe %s\n", host)
		})
		die(http.ListenAndServe(addr, nil).Error())
	case "get":
		need(3)
		c := http.Client{Timeout: 5 * time.Second}
		resp, err := c.Get(os.Args[2])
		check(err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		os.Stdout.Write(body)
		if resp.StatusCode/100 != 2 {
			die(resp.Status)
		}
	case "lookup":
		need(3)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		addrs, err := net.DefaultResolver.LookupHost(ctx, os.Args[2])
		check(err)
		fmt.Println(strings.Join(addrs, " "))
	case "tcp":
		need(3)
		conn, err := net.DialTimeout("tcp", os.Args[2], 5*time.Second)
		check(err)
		fmt.Println("connected", conn.RemoteAddr())
		conn.Close()
	case "apiserver":
		token, err := os.ReadFile(saDir + "/token")
		check(err)
		ca, err := os.ReadFile(saDir + "/ca.crt")
		check(err)
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			die("no certificate in " + saDir + "/ca.crt")
		}
		host := os.Getenv("KUBERNETES_SERVICE_HOST")
		port := os.Getenv("KUBERNETES_SERVICE_PORT")
		if len(os.Args) > 2 {
			host, port = os.Args[2], "443"
		}
		c := http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		req, _ := http.NewRequest("GET", "https://"+net.JoinHostPort(host, port)+"/version", nil)
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
		resp, err := c.Do(req)
		check(err)
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			die(resp.Status)
		}
		var v struct{ GitVersion string }
		check(json.NewDecoder(resp.Body).Decode(&v))
		fmt.Println(v.GitVersion)
	default:
		die("unknown command " + os.Args[1])
	}
}

func need(n int) {
	if len(os.Args) < n {
		die("missing argument")
	}
}

func check(err error) {
	if err != nil {
		die(err.Error())
	}
}

func die(msg string) {
	fmt.Fprintln(os.Stderr, "probe:", msg)
	os.Exit(1)
}
