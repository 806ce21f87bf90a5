"""EC2: launch template data without the template's own tags."""
