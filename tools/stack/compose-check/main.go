// compose-check loads a compose file with compose-go (the loader Docker Compose
// itself uses), with schema validation and consistency checks on, and then
// applies this project's policy on top:
//
//   - every published port is bound to 127.0.0.1;
//   - every image reference carries an explicit tag other than "latest" (or a
//     digest); services that have a `build:` section are exempt;
//   - every file or folder a service bind-mounts, and every file a secret or
//     config is read from, exists (Docker would otherwise create an empty folder
//     in its place, and the service would start without its configuration).
//
// Usage: compose-check [compose-file]   (default: docker-compose.yml)
//
// Interpolation uses the OS environment, plus the .env file next to the compose
// file (as `docker compose` does; the OS environment wins). Relative paths are
// resolved against the compose file's directory. All profiles are activated so
// that every service is checked.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/distribution/reference"
)

func main() {
	file := "docker-compose.yml"
	switch len(os.Args) {
	case 1:
	case 2:
		file = os.Args[1]
	default:
		fmt.Fprintln(os.Stderr, "usage: compose-check [compose-file]")
		os.Exit(2)
	}

	services, err := check(file)
	if err != nil {
		fmt.Printf("%s: %s\n", file, oneLine(err.Error()))
		os.Exit(1)
	}
	noun := "services"
	if len(services) == 1 {
		noun = "service"
	}
	fmt.Printf("%s: valid (%d %s: %s)\n", file, len(services), noun, strings.Join(services, ", "))
}

func check(file string) ([]string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, err
	}

	opts, err := cli.NewProjectOptions(
		[]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		cli.WithOsEnv,
		cli.WithEnvFiles(),
		cli.WithDotEnv,
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
		cli.WithProfiles([]string{"*"}),
	)
	if err != nil {
		return nil, err
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		return nil, err
	}

	names := make([]string, 0, len(project.Services))
	for name := range project.Services {
		names = append(names, name)
	}
	sort.Strings(names)

	var problems []string
	for _, name := range names {
		problems = append(problems, policy(name, project.Services[name])...)
	}
	problems = append(problems, missingFiles(project)...)
	if len(problems) > 0 {
		return nil, fmt.Errorf("policy violations: %s", strings.Join(problems, "; "))
	}
	return names, nil
}

// policy returns the project-specific problems found in one service.
func policy(name string, svc types.ServiceConfig) []string {
	var problems []string

	for _, p := range svc.Ports {
		if p.HostIP != "127.0.0.1" {
			host := p.HostIP
			if host == "" {
				host = "all interfaces"
			}
			published := p.Published
			if published == "" {
				published = "(random)"
			}
			problems = append(problems, fmt.Sprintf(
				"service %q publishes host port %s -> %d/%s on %s; bind it to 127.0.0.1 (e.g. \"127.0.0.1:%s:%d\")",
				name, published, p.Target, protoOr(p.Protocol), host, strings.TrimPrefix(published, "(random)"), p.Target))
		}
	}

	if svc.Build == nil {
		if msg := imageProblem(svc.Image); msg != "" {
			problems = append(problems, fmt.Sprintf("service %q: %s", name, msg))
		}
	}
	return problems
}

// missingFiles names the bind-mount sources and secret or config files that do
// not exist (paths are resolved against the compose file's folder by then).
func missingFiles(project *types.Project) []string {
	var problems []string
	names := make([]string, 0, len(project.Services))
	for name := range project.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range project.Services[name].Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				problems = append(problems, fmt.Sprintf("service %q mounts %s, which does not exist", name, v.Source))
			}
		}
	}
	files := func(kind string, objects map[string]types.FileObjectConfig) {
		keys := make([]string, 0, len(objects))
		for k := range objects {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if f := objects[k].File; f != "" {
				if _, err := os.Stat(f); err != nil {
					problems = append(problems, fmt.Sprintf("%s %q is read from %s, which does not exist", kind, k, f))
				}
			}
		}
	}
	secrets := map[string]types.FileObjectConfig{}
	for k, v := range project.Secrets {
		secrets[k] = types.FileObjectConfig(v)
	}
	configs := map[string]types.FileObjectConfig{}
	for k, v := range project.Configs {
		configs[k] = types.FileObjectConfig(v)
	}
	files("secret", secrets)
	files("config", configs)
	return problems
}

func imageProblem(image string) string {
	if image == "" {
		return "has neither image nor build"
	}
	ref, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return fmt.Sprintf("invalid image reference %q: %v", image, err)
	}
	if tagged, ok := ref.(reference.Tagged); ok {
		if tagged.Tag() == "latest" {
			return fmt.Sprintf("image %q uses tag \"latest\"; pin an explicit version", image)
		}
		return ""
	}
	if _, ok := ref.(reference.Digested); ok {
		return "" // pinned by digest
	}
	return fmt.Sprintf("image %q has no explicit tag; pin an explicit version", image)
}

func protoOr(p string) string {
	if p == "" {
		return "tcp"
	}
	return p
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
