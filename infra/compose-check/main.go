// compose-check validates Kantong's Compose files with the Compose specification's own Go
// implementation (github.com/compose-spec/compose-go, the loader Docker Compose itself uses):
// the JSON schema, interpolation, and the cross-references between services, networks, volumes
// and secrets. No Docker engine runs in CI, so this is what stands between a broken
// docker-compose.yml and a user's `docker compose up` (issue 13).
//
//	go run . ../../docker-compose.yml [override.yml ...]
//
// Every file set given as one argument list is loaded as one project (an override on its base),
// with every profile enabled and no environment from the shell beyond what the files default, so
// the result does not depend on who runs it. Exit status 1 and the loader's message on any error.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	files := os.Args[1:]
	if len(files) == 0 {
		fmt.Fprintln(os.Stderr, "usage: compose-check <compose.yml> [override.yml ...]")
		os.Exit(2)
	}
	workdir, err := filepath.Abs(filepath.Dir(files[0]))
	if err != nil {
		fail(err)
	}
	options, err := cli.NewProjectOptions(
		files,
		cli.WithName("kantong"),
		cli.WithWorkingDirectory(workdir),
		// Only the defaults written in the files: a developer's shell must not hide an error.
		cli.WithEnv([]string{"HOME=/nonexistent"}),
		cli.WithProfiles([]string{"*"}),
		cli.WithConsistency(true),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	names := project.ServiceNames()
	sort.Strings(names)
	fmt.Printf("compose: %v valid, %d services: %v\n", files, len(names), names)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "compose: invalid: %v\n", err)
	os.Exit(1)
}
