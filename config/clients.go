package config

import "path/filepath"

// DockerConfigReaders are programs that read docker's config.json; any of
// them installed makes the docker config worth wiring and checking.
var DockerConfigReaders = []string{"docker", "crane", "oras", "regctl", "ko", "cosign", "nerdctl", "buildctl", "helm"}

// PodmanPrograms read the containers auth files and registries.conf.
var PodmanPrograms = []string{"podman", "skopeo", "buildah"}

// DockerCertDirs are the certs.d directories docker trusts per registry:
// the system's, then the one beside docker's config.json.
func (p Paths) DockerCertDirs() []string {
	dirs := []string{"/etc/docker/certs.d"}
	if p.DockerConfig != "" {
		dirs = append(dirs, filepath.Join(filepath.Dir(p.DockerConfig), "certs.d"))
	}
	return dirs
}
