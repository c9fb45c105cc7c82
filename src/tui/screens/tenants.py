"""Tenants: agencies → locations → their store connection, filterable and refreshed live."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Footer, Header, Input, Static, Tree
from textual.widgets.tree import TreeNode

from wooconnect.tui import formatting
from wooconnect.tui.api import ApiClient
from wooconnect.tui.context import Context
from wooconnect.tui.models import Agency, Connection, Location
from wooconnect.tui.screens.location import LocationScreen
from wooconnect.tui.screens.polling import PollingScreen, fetch
from wooconnect.tui.widgets.error_panel import ErrorPanel


@dataclass(frozen=True, slots=True)
class LocationEntry:
    """A location with its live connection, if any."""

    agency: Agency
    location: Location
    connection: Connection | None

    def matches(self, query: str) -> bool:
        """Whether the filter finds this location by name, id, store domain or connection id."""
        haystack = [self.location.name, self.location.id]
        if self.connection is not None:
            haystack += [self.connection.store_url, self.connection.id]
        return any(query in item.lower() for item in haystack)


@dataclass(frozen=True, slots=True)
class AgencyEntry:
    """An agency and its locations."""

    agency: Agency
    locations: tuple[LocationEntry, ...]

    def matches(self, query: str) -> bool:
        """Whether the filter finds the agency itself (then all its locations show)."""
        return query in self.agency.name.lower() or query in self.agency.id.lower()


NodeData = Agency | LocationEntry | Connection


async def load_tenants(client: ApiClient) -> tuple[AgencyEntry, ...]:
    """Every agency with its locations and their connections, fetched concurrently."""
    agencies = await client.list_agencies()
    location_lists = await asyncio.gather(*(client.list_locations(a.id) for a in agencies))

    async def entry(agency: Agency, location: Location) -> LocationEntry:
        return LocationEntry(agency, location, await client.location_connection(location.id))

    entries = []
    for agency, locations in zip(agencies, location_lists, strict=True):
        loaded = await asyncio.gather(*(entry(agency, location) for location in locations))
        entries.append(AgencyEntry(agency, tuple(loaded)))
    return tuple(entries)


class TenantTree(Tree[NodeData]):
    """The tenant tree. Typing a letter starts a search, as in a file manager."""

    class SearchTyped(Message):
        """A printable key the tree does not use; the screen sends it to the filter."""

        def __init__(self, character: str) -> None:
            super().__init__()
            self.character = character

    searching = False
    """Set once a search starts here, until the filter is cleared: keys that reach the tree
    before the focus has moved to the filter (a paste, a fast typist) still belong to it, a
    space included."""

    def on_key(self, event: events.Key) -> None:
        """Send searchable characters to the filter instead of ignoring them."""
        character = event.character
        searchable = character is not None and (
            character.isalnum() or character in "-_.@:&" or (self.searching and character == " ")
        )
        if character and searchable:
            event.stop()
            event.prevent_default()
            self.searching = True
            self.post_message(self.SearchTyped(character))


class TenantsScreen(PollingScreen):
    """The console's home: find a tenant, open its connection."""

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter"),
        # Not a letter: letters typed in the tree search it.
        Binding("f4", "location", "Location"),
    ]

    def __init__(self, context: Context) -> None:
        super().__init__(context, id="tenants")
        self.entries: tuple[AgencyEntry, ...] = ()
        self.loaded = False
        self._generation = 0
        self._pending_cursor: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        # Not select-on-focus: a search started by typing in the tree must keep its first letter.
        yield Input(
            placeholder="Type to filter by name, store domain or id",
            id="filter",
            select_on_focus=False,
        )
        yield ErrorPanel(hint="The console keeps retrying; press F5 to retry now.", id="error")
        with Horizontal(id="tenants-body"):
            tree: TenantTree = TenantTree("Agencies", id="tenant-tree", classes="panel")
            tree.show_root = False
            tree.guide_depth = 3
            # Enter opens a store; it folds only agencies (see `_selected`), never a location.
            tree.auto_expand = False
            yield tree
            yield Static(id="tenant-details", classes="panel")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Tenants"
        self.query_one(TenantTree).focus()
        super().on_mount()

    async def load(self) -> None:
        """Fetch the tenants; redraw the tree only when something changed."""
        entries = await fetch(self, load_tenants(self.context.client))
        if entries is None:
            return
        if entries != self.entries or not self.loaded:
            self.entries = entries
            self.loaded = True
            self._rebuild()

    # Filter

    def action_focus_filter(self) -> None:
        """Move the focus to the filter box."""
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        """Empty the filter and go back to the tree."""
        field = self.query_one("#filter", Input)
        if field.value:
            field.value = ""
        self.query_one(TenantTree).focus()

    @on(TenantTree.SearchTyped)
    def _search_typed(self, event: TenantTree.SearchTyped) -> None:
        field = self.query_one("#filter", Input)
        field.focus()
        field.insert_text_at_cursor(event.character)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if not event.value:
            self.query_one(TenantTree).searching = False
        self._rebuild()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        # Enter in the filter jumps to the first match, ready to open it. It supersedes the
        # cursor placement a redraw still has pending, so keys typed right after it (a paste,
        # a fast typist) move from the first match, not from where that placement would put it.
        self._generation += 1
        self._pending_cursor = None
        tree = self.query_one(TenantTree)
        tree.searching = False
        tree.focus()
        tree.move_cursor_to_line(0)

    def on_key(self, event: events.Key) -> None:
        """Down from the filter goes into the tree, as in a search box with results."""
        if event.key == "down" and self.focused is self.query_one("#filter", Input):
            event.stop()
            self.query_one(TenantTree).focus()

    # The tree

    def _rebuild(self) -> None:
        """Redraw the tree from `entries` and the filter, keeping the cursor where it was."""
        tree = self.query_one(TenantTree)
        query = self.query_one("#filter", Input).value.strip().lower()
        # A redraw that comes before the previous one placed its cursor keeps that placement.
        keep = self._pending_cursor
        if keep is None and tree.cursor_node is not None:
            keep = _node_key(tree.cursor_node.data)
        collapsed = {
            _node_key(node.data)
            for node in _walk(tree.root)
            if node.allow_expand and not node.is_expanded
        }
        tree.clear()
        target: TreeNode[NodeData] | None = None
        for entry in self.entries:
            locations = (
                entry.locations
                if not query or entry.matches(query)
                else tuple(loc for loc in entry.locations if loc.matches(query))
            )
            if query and not locations and not entry.matches(query):
                continue
            agency_node = tree.root.add(_agency_label(entry), data=entry.agency)
            for loc in locations:
                node = _add_location(agency_node, loc)
                if not query and _node_key(loc) in collapsed:
                    node.collapse()
                for child in (node, *node.children):
                    if keep is not None and _node_key(child.data) == keep:
                        target = child
            if not query and _node_key(entry.agency) in collapsed:
                agency_node.collapse()
            else:
                agency_node.expand()
            if keep is not None and _node_key(entry.agency) == keep:
                target = agency_node
        if query and not tree.root.children:
            self._generation += 1
            self._pending_cursor = None
            message = Text(f"No agency, location or store matches {query!r}.", style="italic")
            self.query_one("#tenant-details", Static).update(message)
            return
        if target is None and tree.root.children:
            target = tree.root.children[0]
        # New nodes get their line numbers when the tree next lays out; move the cursor then.
        self._generation += 1
        self._pending_cursor = _node_key(target.data) if target is not None else None
        self.call_after_refresh(self._place_cursor, self._generation, target)

    def _place_cursor(self, generation: int, target: TreeNode[NodeData] | None) -> None:
        if generation != self._generation:
            return  # the tree was redrawn again since; that redraw places the cursor
        self._pending_cursor = None
        tree = self.query_one(TenantTree)
        tree.move_cursor(target)
        self._show_details(tree.cursor_node.data if tree.cursor_node is not None else None)

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[NodeData]) -> None:
        self._show_details(event.node.data)

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[NodeData]) -> None:
        data = event.node.data
        if isinstance(data, Agency):
            event.node.toggle()
        elif isinstance(data, Connection):
            self._open(data)
        elif isinstance(data, LocationEntry) and data.connection is not None:
            self._open(data.connection)

    def action_location(self) -> None:
        """The highlighted location's API keys and workflow subscribers."""
        tree = self.query_one(TenantTree)
        data = tree.cursor_node.data if tree.cursor_node is not None else None
        location_id = (
            data.location.id
            if isinstance(data, LocationEntry)
            else data.location_id
            if isinstance(data, Connection)
            else None
        )
        if location_id is None:
            self.notify("Highlight a location or its store first.", timeout=3)
            return
        self.app.push_screen(LocationScreen(self.context, location_id))

    def _open(self, connection: Connection) -> None:
        from wooconnect.tui.screens.connection import ConnectionScreen

        self.app.push_screen(ConnectionScreen(self.context, connection.id))

    def _show_details(self, data: NodeData | None) -> None:
        self.query_one("#tenant-details", Static).update(_details(data, self.entries))


def _walk(node: TreeNode[NodeData]) -> list[TreeNode[NodeData]]:
    nodes = []
    for child in node.children:
        nodes.append(child)
        nodes.extend(_walk(child))
    return nodes


def _node_key(data: NodeData | None) -> str | None:
    if isinstance(data, Agency):
        return f"agency:{data.id}"
    if isinstance(data, LocationEntry):
        return f"location:{data.location.id}"
    if isinstance(data, Connection):
        return f"connection:{data.id}"
    return None


def _agency_label(entry: AgencyEntry) -> Text:
    label = Text(entry.agency.name, style="bold")
    count = len(entry.locations)
    label.append(f"  {count or 'no'} location{'s' if count != 1 else ''}", style="dim")
    return label


def _add_location(parent: TreeNode[NodeData], entry: LocationEntry) -> TreeNode[NodeData]:
    label = Text(entry.location.name)
    if entry.connection is None:
        label.append("  no store connected", style="dim italic")
        return parent.add_leaf(label, data=entry)
    node = parent.add(label, data=entry, expand=True)
    connection = entry.connection
    leaf = Text(connection.store_domain)
    leaf.append("  ")
    leaf.append_text(formatting.status_text(connection.status))
    node.add_leaf(leaf, data=connection)
    return node


def _details(data: NodeData | None, entries: tuple[AgencyEntry, ...]) -> Table | Text:
    """The highlighted node in a few rows, labels first; ids whole, so they can be copied."""
    if data is None:
        return Text("Nothing selected.", style="dim italic")
    table = Table.grid(padding=(0, 1))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")  # an id folds whole onto the next line, never mid-way
    if isinstance(data, Agency):
        entry = next((e for e in entries if e.agency.id == data.id), None)
        table.add_row("agency", Text(data.name, style="bold"))
        table.add_row("id", data.id)
        table.add_row("created", formatting.timestamp(data.created_at))
        if entry is not None:
            connected = sum(1 for loc in entry.locations if loc.connection is not None)
            table.add_row("locations", f"{len(entry.locations)} ({connected} connected)")
        return table
    connection = data.connection if isinstance(data, LocationEntry) else data
    if isinstance(data, LocationEntry):
        name = Text(data.location.name, style="bold")
        name.append(f"  of {data.agency.name}", style="dim")
        table.add_row("location", name)
        table.add_row("id", data.location.id)
    if connection is None:
        table.add_row("store", Text("no store connected", style="italic"))
        table.add_row("", Text("F4 shows its API keys and subscribers", style="dim italic"))
        return table
    store = Text(connection.store_url)
    store.append("  ")
    store.append_text(formatting.status_text(connection.status))
    table.add_row("store", store)
    table.add_row("connection", connection.id)
    if connection.last_error:
        table.add_row("reason", Text(connection.last_error, style="red"))
    if connection.imports:
        imports = Text()
        for index, job in enumerate(connection.imports):
            total = f"{job.total:,}" if job.total is not None else "?"
            imports.append(" · " if index else "")
            imports.append(f"{job.entity} {job.status} {job.processed:,}/{total}")
        table.add_row("imports", imports)
    hint = "Enter opens the connection · F4 its API keys and subscribers"
    table.add_row("", Text(hint, style="dim italic"))
    return table
