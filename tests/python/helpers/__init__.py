"""What the tests share: running the CLI (cli), generated districts (district), the
delivered files read with plain Python (delivered), real SFTP servers (sftp_servers)
and deliveries to them (fetch). Fixtures stay in conftest.py."""
