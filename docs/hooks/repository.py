"""The repository link and "edit this page" only where the repository is known.

``repo_url`` comes from the environment (``REPO_URL``, set by the Pages workflow; mkdocs.yml). Without
it, a local clone or a fork that has not said where it lives, the header shows no repository and the
pages no edit button: ``edit_uri`` is dropped, which MkDocs would otherwise warn about on every page
(and ``--strict`` turn into a failed build).
"""

from __future__ import annotations


def on_config(config):
    if not config.repo_url:
        config.edit_uri = None
    return config
