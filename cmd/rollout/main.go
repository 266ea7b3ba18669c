// Command rollout is the whole of Rollout in one binary: the web server (serve),
// database migrations (migrate) and the administrative commands.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr))
}
