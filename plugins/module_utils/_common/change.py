# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one change model: every module reports its work as small named steps in one shape.

A link, a namespace, a promiscuous flag, a sysctl, a Docker network or a persisted file: each step
is a Change (action, attribute, before, after, reason, details), reported as a dict with the
kind, name and namespace it is about; `report` wraps the steps into the result every module returns.
"""

from __future__ import annotations


class Change:
    """One small named step of a plan, e.g. `set mode` bridge -> private."""

    def __init__(self, action, attribute=None, before=None, after=None, reason=None, **details):
        self.action = action
        self.attribute = attribute
        self.before = before
        self.after = after
        self.reason = reason
        self.details = details  # more of what the step is about (a route's destination and metric)

    def as_dict(self, spec):
        return self.record(spec.kind, spec.name, spec.netns)

    def record(self, kind, name, netns):
        """The step as every module reports it: action, kind, name, netns, then what it is about."""
        result = {'action': self.action, 'kind': kind, 'name': name, 'netns': netns}
        for key in ('attribute', 'before', 'after', 'reason'):
            value = getattr(self, key)
            if value is not None:
                result[key] = list(value) if isinstance(value, tuple) else value
        result.update(self.details)
        return result


def step(action, kind, name, netns=None, **fields):
    """One change of anything (a namespace, a promiscuous flag, a Docker network) in the engine's shape."""
    known = {key: fields.pop(key) for key in ('attribute', 'before', 'after', 'reason') if key in fields}
    return Change(action, **dict(known, **fields)).record(kind, name, netns)


def report(changes, before, after, **extra):
    """The result every module returns: changed, changes, diff, and what it is about (`extra`)."""
    return dict(extra, changed=bool(changes), changes=changes, diff={'before': before or {}, 'after': after or {}})
