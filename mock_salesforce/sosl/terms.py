"""The search expression inside ``FIND {…}``: words, quoted phrases, ``*`` and ``?``
wildcards, ``AND`` / ``OR`` / ``AND NOT`` with parentheses, backslash escapes.

Adjacent words are ANDed (``{Joe Smith}`` finds records holding both). A run of words that
together read as one phone number (``{+81 3 1234 5678}``, ``{(03) 1234-5678}``) is one phone
term. Operators bind as Salesforce documents: ``AND NOT`` and ``AND`` before ``OR``; otherwise
left to right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mock_salesforce.soql.ast import Pos
from mock_salesforce.soql.problems import QueryError
from mock_salesforce.sosl.problems import malformed_search

#: Stand-ins for unescaped wildcards (private-use characters, untouched by NFKC).
WILD_MANY = "\ue000"
WILD_ONE = "\ue001"
WILDCARDS = WILD_MANY + WILD_ONE

#: E.164 numbers have at most 15 digits; fewer than 7 digits is not a phone number to us.
_MAX_PHONE_DIGITS = 15
_MIN_PHONE_DIGITS = 7
_PHONE_PIECE = re.compile(r"^\+?[0-9().\-]*[0-9][0-9().\-]*$")


@dataclass(frozen=True)
class Atom:
    """One word or phrase to find. ``text`` keeps wildcards as :data:`WILDCARDS` characters."""

    text: str
    quoted: bool
    phone: bool
    offset: int


@dataclass(frozen=True)
class AllOf:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Without:
    """``left AND NOT right``."""

    left: Expr
    right: Expr


Expr = Atom | AllOf | AnyOf | Without


@dataclass(frozen=True)
class _Tok:
    kind: str  # "word", "phrase", "(", ")", "AND", "OR", "NOT"
    text: str
    offset: int
    #: The literal text (escapes resolved, wildcards as written) for phone detection.
    literal: str = ""


class TermSyntaxError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def _lex(source: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            toks.append(_Tok(ch, ch, i))
            i += 1
        elif ch == '"':
            start = i
            i += 1
            out: list[str] = []
            while i < n and source[i] != '"':
                i = _take(source, i, out)
            if i >= n:
                raise TermSyntaxError("unterminated quoted phrase", start)
            i += 1
            toks.append(_Tok("phrase", "".join(out), start))
        else:
            start = i
            out = []
            escaped = False
            while i < n and not source[i].isspace() and source[i] not in '()"':
                escaped = escaped or source[i] == "\\"
                i = _take(source, i, out)
            text = "".join(out)
            upper = text.upper()
            if not escaped and upper in ("AND", "OR", "NOT"):
                toks.append(_Tok(upper, text, start))
            else:
                literal = text.replace(WILD_MANY, "*").replace(WILD_ONE, "?")
                toks.append(_Tok("word", text, start, literal))
    return toks


def _take(source: str, i: int, out: list[str]) -> int:
    """Append the character at ``i`` (an escape takes the next one literally); next index."""
    ch = source[i]
    if ch == "\\" and i + 1 < len(source):
        out.append(source[i + 1])
        return i + 2
    out.append(WILD_MANY if ch == "*" else WILD_ONE if ch == "?" else ch)
    return i + 1


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _join_phones(toks: list[_Tok]) -> list[_Tok]:
    """Runs of number pieces (``+81``, ``3``, ``(03)``, ``1234-5678``) read as one phone term."""
    out: list[_Tok] = []
    i = 0
    while i < len(toks):
        pieces: list[str] = []
        j = i
        while j < len(toks):
            piece, width = _phone_piece(toks, j)
            if piece is None or _digits("".join([*pieces, piece])) > _MAX_PHONE_DIGITS:
                break
            pieces.append(piece)
            j += width
        if pieces and _digits("".join(pieces)) >= _MIN_PHONE_DIGITS:
            out.append(_Tok("phone", " ".join(pieces), toks[i].offset))
            i = j
        else:
            out.append(toks[i])
            i += 1
    return out


def _phone_piece(toks: list[_Tok], j: int) -> tuple[str | None, int]:
    tok = toks[j]
    if tok.kind == "word" and _PHONE_PIECE.match(tok.literal):
        return tok.literal, 1
    if (
        tok.kind == "("
        and j + 2 < len(toks)
        and toks[j + 1].kind == "word"
        and toks[j + 1].literal.isdigit()
        and toks[j + 2].kind == ")"
    ):
        return f"({toks[j + 1].literal})", 3
    return None, 1


class _Parser:
    def __init__(self, toks: list[_Tok], end: int) -> None:
        self.toks = toks
        self.i = 0
        self.end = end

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def unexpected(self) -> TermSyntaxError:
        tok = self.peek()
        if tok is None:
            return TermSyntaxError("unexpected end of search term", self.end)
        return TermSyntaxError(f"unexpected token: '{tok.text}'", tok.offset)

    def expr(self) -> Expr:
        items = [self.conjunction()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.i += 1
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else AnyOf(tuple(items))

    def conjunction(self) -> Expr:
        left = self.unary()
        while (tok := self.peek()) is not None and tok.kind not in ("OR", ")"):
            if tok.kind == "AND":
                self.i += 1
                nxt = self.peek()
                if nxt is not None and nxt.kind == "NOT":
                    self.i += 1
                    left = Without(left, self.unary())
                    continue
            right = self.unary()
            items = left.items if isinstance(left, AllOf) else (left,)
            left = AllOf((*items, right))
        return left

    def unary(self) -> Expr:
        tok = self.peek()
        if tok is None or tok.kind in ("AND", "OR", "NOT", ")"):
            raise self.unexpected()
        self.i += 1
        if tok.kind == "(":
            inner = self.expr()
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise self.unexpected()
            self.i += 1
            return inner
        return Atom(tok.text, tok.kind == "phrase", tok.kind == "phone", tok.offset)


def parse_terms(source: str) -> Expr | None:
    """The expression of a ``FIND`` clause's text (braces removed); None when it is blank.
    Raises :class:`TermSyntaxError` with the offset of the offending token."""
    toks = _join_phones(_lex(source))
    if not toks:
        return None
    parser = _Parser(toks, len(source))
    expr = parser.expr()
    if parser.peek() is not None:
        raise parser.unexpected()
    return expr


def positive_atoms(expr: Expr) -> list[Atom]:
    """Atoms a matching record must hold at least one of (everything not under AND NOT)."""
    if isinstance(expr, Atom):
        return [expr]
    if isinstance(expr, Without):
        return positive_atoms(expr.left)
    return [a for item in expr.items for a in positive_atoms(item)]


def all_atoms(expr: Expr) -> list[Atom]:
    if isinstance(expr, Atom):
        return [expr]
    if isinstance(expr, Without):
        return all_atoms(expr.left) + all_atoms(expr.right)
    return [a for item in expr.items for a in all_atoms(item)]


def term_error(exc: TermSyntaxError, term_pos: Pos) -> QueryError:
    """A term syntax error placed in the statement (``term_pos`` is the opening brace)."""
    return malformed_search(exc.message, Pos(term_pos.line, term_pos.column + 1 + exc.offset))
