# tflint: the bundled Terraform rules (recommended preset) and the AWS
# ruleset, found in TFLINT_PLUGIN_DIR (testbed/install.sh builds both).
plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
}
