"""Qt-free domain: entities, configuration, errors, tasks. Imports nothing else of ours."""
