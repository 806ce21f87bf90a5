// Command kstatus prints the kstatus of one HelloApi, as Flux, kpt and
// cli-utils' appliers see it: sigs.k8s.io/cli-utils/pkg/kstatus/status.Compute
// on the object read from the apiserver (dynamic client, hello.dev/v1alpha1
// helloapis).
//
//	kstatus [--kubeconfig F] [-n NS] NAME          one line "<Status>: <message>"
//	kstatus ... NAME --watch [--until S] [--timeout D]
//	    polls every second and prints each distinct line after the seconds
//	    since start; exits 0 once the status is S (default Current), 1 when D
//	    (default 300s) has passed first.
//
// What Compute (cli-utils v0.37.2, status.go and generic.go) reads of a
// HelloApi, in this order; the first rule that applies decides:
//  1. metadata.deletionTimestamp set: Terminating, "Resource scheduled for deletion".
//  2. metadata.generation and status.observedGeneration, both present and
//     different: InProgress, "HelloApi generation is G, but latest observed
//     generation is O". Without status.observedGeneration there is no check.
//  3. status.conditions, in list order: the first Reconciling=True gives
//     InProgress with its message, the first Stalled=True Failed with its
//     message (whichever of the two comes first in the list wins).
//  4. hello.dev/HelloApi has no type-specific rules (those are for Pods,
//     Deployments, ... only).
//  5. the first Ready condition: True gives Current, "Resource is Ready" (not
//     Ready's own message); False or Unknown give InProgress with its message.
//  6. otherwise Current, "Resource is current": also a HelloApi with no
//     status at all.
//
// Never read: Progressing, Degraded, any condition's reason (for the message),
// observedGeneration or lastTransitionTime, replicas, readyReplicas, selector.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

var helloapis = schema.GroupVersionResource{Group: "hello.dev", Version: "v1alpha1", Resource: "helloapis"}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kstatus: "+format+"\n", args...)
	os.Exit(code)
}

func main() {
	fs := flag.NewFlagSet("kstatus", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
	namespace := fs.String("n", "", "namespace (default: the kubeconfig context's)")
	watch := fs.Bool("watch", false, "poll every second and print each distinct status")
	until := fs.String("until", string(status.CurrentStatus), "with --watch: the status to wait for (Current, InProgress, Failed, Terminating, NotFound)")
	timeout := fs.Duration("timeout", 300*time.Second, "with --watch: how long to wait for --until")
	// Flags may come before and after NAME.
	var names []string
	for args := os.Args[1:]; ; args = fs.Args()[1:] {
		if err := fs.Parse(args); err != nil {
			os.Exit(2)
		}
		if fs.NArg() == 0 {
			break
		}
		names = append(names, fs.Arg(0))
	}
	if len(names) != 1 {
		fail(2, "usage: kstatus [--kubeconfig F] [-n NS] NAME [--watch [--until STATUS] [--timeout 300s]]")
	}
	switch status.Status(*until) {
	case status.CurrentStatus, status.InProgressStatus, status.FailedStatus, status.TerminatingStatus, status.NotFoundStatus:
	default:
		fail(2, "--until %q: not one of Current, InProgress, Failed, Terminating, NotFound", *until)
	}
	name := names[0]

	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = *kubeconfig
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{})
	cfg, err := loader.ClientConfig()
	if err != nil {
		fail(1, "%v", err)
	}
	cfg.Timeout = 10 * time.Second
	if *namespace == "" {
		if *namespace, _, err = loader.Namespace(); err != nil {
			fail(1, "%v", err)
		}
	}
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		fail(1, "%v", err)
	}
	objects := client.Resource(helloapis).Namespace(*namespace)

	// line reads the HelloApi and computes its "<Status>: <message>".
	line := func() (string, error) {
		u, err := objects.Get(context.Background(), name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return fmt.Sprintf("%s: helloapis %s/%s not found", status.NotFoundStatus, *namespace, name), nil
		}
		if err != nil {
			return "", err
		}
		res, err := status.Compute(u)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s: %s", res.Status, res.Message), nil
	}

	if !*watch {
		l, err := line()
		if err != nil {
			fail(1, "%v", err)
		}
		fmt.Println(l)
		return
	}
	start, last := time.Now(), ""
	for {
		l, err := line()
		if err != nil { // transient (apiserver restarting...): shown, and polled again
			l = fmt.Sprintf("%s: %v", status.UnknownStatus, err)
		}
		if l != last {
			fmt.Printf("%5.1fs %s\n", time.Since(start).Seconds(), l)
			last = l
		}
		if strings.HasPrefix(l, *until+": ") {
			return
		}
		if time.Since(start) >= *timeout {
			fail(1, "no %s after %s (last: %s)", *until, *timeout, last)
		}
		time.Sleep(time.Second)
	}
}
