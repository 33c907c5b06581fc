package config

// ParseProfiles parses the content of a config and a credentials file as
// LoadProfiles does, without reading them; the names are for messages.
func ParseProfiles(configFile string, config []byte, credentialsFile string, credentials []byte) (*Profiles, error) {
	return parseProfiles(configFile, config, credentialsFile, credentials)
}
