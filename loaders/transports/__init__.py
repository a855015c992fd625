"""Where `fetch` gets deliveries from: an SFTP server (sftp.py) or a local drop
folder (local.py), both behind the small interface in base.py."""
