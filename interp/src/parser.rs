//! Recursive-descent parser for the Go subset.

use crate::ast::*;
use crate::lexer::Tok;

pub struct Parser {
    toks: Vec<(Tok, Pos)>,
    i: usize,
    /// Depth at which composite literals after a bare type name are not allowed (the headers of
    /// if/for/switch, as in Go); reset inside parentheses.
    no_lit: bool,
}

pub type PResult<T> = Result<T, (Pos, String)>;

fn tok_str(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("name {s}"),
        Tok::Int(_) | Tok::Float(_) | Tok::Char(_) | Tok::Str(_) => "literal".into(),
        Tok::Kw(k) => format!("keyword {k}"),
        Tok::Op(o) => o.to_string(),
        Tok::Semi => "newline".into(),
        Tok::Eof => "EOF".into(),
    }
}

impl Parser {
    pub fn new(toks: Vec<(Tok, Pos)>) -> Parser {
        Parser {
            toks,
            i: 0,
            no_lit: false,
        }
    }
    fn peek(&self) -> &Tok {
        &self.toks[self.i].0
    }
    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.i + n).min(self.toks.len() - 1)].0
    }
    fn pos(&self) -> Pos {
        self.toks[self.i].1
    }
    fn next(&mut self) -> Tok {
        let t = self.toks[self.i].0.clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }
    fn is_op(&self, o: &str) -> bool {
        matches!(self.peek(), Tok::Op(x) if *x == o)
    }
    fn is_kw(&self, k: &str) -> bool {
        matches!(self.peek(), Tok::Kw(x) if *x == k)
    }
    fn eat_op(&mut self, o: &str) -> bool {
        if self.is_op(o) {
            self.next();
            true
        } else {
            false
        }
    }
    fn err<T>(&self, msg: String) -> PResult<T> {
        Err((self.pos(), msg))
    }
    fn unexpected<T>(&self, wanted: &str) -> PResult<T> {
        self.err(format!(
            "syntax error: unexpected {}, expecting {wanted}",
            tok_str(self.peek())
        ))
    }
    fn expect_op(&mut self, o: &str) -> PResult<()> {
        if self.eat_op(o) {
            Ok(())
        } else {
            self.unexpected(o)
        }
    }
    fn ident(&mut self) -> PResult<String> {
        match self.peek().clone() {
            Tok::Ident(s) => {
                self.next();
                Ok(s)
            }
            _ => self.unexpected("name"),
        }
    }
    fn skip_semis(&mut self) {
        while *self.peek() == Tok::Semi || self.is_op(";") {
            self.next();
        }
    }
    fn end_stmt(&mut self) -> PResult<()> {
        if *self.peek() == Tok::Semi || self.is_op(";") {
            self.next();
            Ok(())
        } else if self.is_op("}") || self.is_op(")") || *self.peek() == Tok::Eof {
            Ok(())
        } else {
            self.err(format!(
                "syntax error: unexpected {} at end of statement",
                tok_str(self.peek())
            ))
        }
    }

    pub fn file(&mut self) -> PResult<File> {
        let mut f = File::default();
        self.skip_semis();
        if !self.is_kw("package") {
            return self.err("syntax error: package statement must be first".into());
        }
        self.next();
        let name = self.ident()?;
        if name != "main" {
            return self.err("only package main is supported".into());
        }
        self.end_stmt()?;
        self.skip_semis();
        while self.is_kw("import") {
            self.next();
            if self.eat_op("(") {
                self.skip_semis();
                while !self.eat_op(")") {
                    let p = self.pos();
                    match self.next() {
                        Tok::Str(s) => f.imports.push((s, p)),
                        _ => return Err((p, "syntax error: missing import path".into())),
                    }
                    self.end_stmt()?;
                    self.skip_semis();
                }
            } else {
                let p = self.pos();
                match self.next() {
                    Tok::Str(s) => f.imports.push((s, p)),
                    _ => return Err((p, "syntax error: missing import path".into())),
                }
            }
            self.end_stmt()?;
            self.skip_semis();
        }
        while *self.peek() != Tok::Eof {
            if self.is_kw("func") {
                let pos = self.pos();
                self.next();
                let npos = self.pos();
                let name = self.ident()?;
                let mut sig = self.signature()?;
                if !self.is_op("{") {
                    return self.unexpected("{");
                }
                let body = self.block()?;
                sig.end = self.toks[self.i - 1].1;
                f.funcs.push(FuncDecl {
                    name,
                    pos: npos,
                    sig,
                    body,
                });
                let _ = pos;
            } else if self.is_kw("var") || self.is_kw("const") || self.is_kw("type") {
                let mut v = self.decl()?;
                f.decls.append(&mut v);
            } else if self.is_kw("import") {
                return self
                    .err("syntax error: imports must appear before other declarations".into());
            } else {
                return self
                    .err("syntax error: non-declaration statement outside function body".into());
            }
            self.end_stmt()?;
            self.skip_semis();
        }
        Ok(f)
    }

    /// var / const / type declarations, single or grouped.
    fn decl(&mut self) -> PResult<Vec<Stmt>> {
        let kw = match self.next() {
            Tok::Kw(k) => k,
            _ => unreachable!(),
        };
        let mut out = Vec::new();
        if self.eat_op("(") {
            self.skip_semis();
            let mut iota = 0;
            let mut prev: Option<(Option<TypeExpr>, Vec<Expr>)> = None;
            while !self.eat_op(")") {
                out.push(self.decl_spec(kw, iota, &mut prev)?);
                iota += 1;
                self.end_stmt()?;
                self.skip_semis();
            }
        } else {
            out.push(self.decl_spec(kw, 0, &mut None)?);
        }
        Ok(out)
    }

    fn decl_spec(
        &mut self,
        kw: &str,
        iota: i64,
        prev: &mut Option<(Option<TypeExpr>, Vec<Expr>)>,
    ) -> PResult<Stmt> {
        let pos = self.pos();
        if kw == "type" {
            let name = self.ident()?;
            self.eat_op("=");
            let t = self.type_expr()?;
            return Ok(Stmt {
                pos,
                kind: StmtKind::Type(name, t),
            });
        }
        let mut names = vec![(self.ident()?, pos)];
        while self.eat_op(",") {
            let p = self.pos();
            names.push((self.ident()?, p));
        }
        let ty = if !self.is_op("=") && *self.peek() != Tok::Semi && !self.is_op(")") {
            Some(self.type_expr()?)
        } else {
            None
        };
        let mut vals = Vec::new();
        if self.eat_op("=") {
            vals = self.expr_list()?;
        }
        if kw == "const" {
            if vals.is_empty() && ty.is_none() {
                match prev {
                    Some((t, v)) => {
                        return Ok(Stmt {
                            pos,
                            kind: StmtKind::Const(names, t.clone(), v.clone(), iota),
                        });
                    }
                    None => return Err((pos, "missing init expr for const declaration".into())),
                }
            }
            *prev = Some((ty.clone(), vals.clone()));
            return Ok(Stmt {
                pos,
                kind: StmtKind::Const(names, ty, vals, iota),
            });
        }
        Ok(Stmt {
            pos,
            kind: StmtKind::Var(names, ty, vals),
        })
    }

    fn signature(&mut self) -> PResult<FuncSig> {
        let (params, variadic) = self.params()?;
        let results = if self.is_op("(") {
            self.params()?.0
        } else if self.starts_type() {
            vec![(String::new(), self.type_expr()?)]
        } else {
            vec![]
        };
        Ok(FuncSig {
            params,
            results,
            variadic,
            end: Pos::default(),
        })
    }

    fn starts_type(&self) -> bool {
        match self.peek() {
            Tok::Ident(_) => true,
            Tok::Op(o) => *o == "[" || *o == "*",
            Tok::Kw(k) => matches!(*k, "map" | "struct" | "func"),
            _ => false,
        }
    }

    fn params(&mut self) -> PResult<(Vec<(String, TypeExpr)>, bool)> {
        self.expect_op("(")?;
        let mut items: Vec<(Option<String>, Option<TypeExpr>)> = Vec::new();
        let mut variadic = false;
        while !self.is_op(")") {
            let dots = self.eat_op("...");
            if let Tok::Ident(name) = self.peek().clone() {
                let next = self.peek_at(1).clone();
                let named = !matches!(next, Tok::Op(",") | Tok::Op(")") | Tok::Op("."));
                if named {
                    self.next();
                    if self.eat_op("...") {
                        variadic = true;
                    }
                    items.push((Some(name), Some(self.type_expr()?)));
                } else {
                    items.push((None, Some(self.type_expr()?)));
                }
            } else {
                items.push((None, Some(self.type_expr()?)));
            }
            if dots {
                variadic = true;
            }
            if !self.eat_op(",") {
                break;
            }
            self.skip_semis();
        }
        self.expect_op(")")?;
        let any_named = items.iter().any(|(n, _)| n.is_some());
        let mut out = Vec::new();
        if any_named {
            let mut pending: Vec<String> = Vec::new();
            for (n, t) in items {
                match (n, t) {
                    (Some(n), Some(t)) => {
                        for p in pending.drain(..) {
                            out.push((p, t.clone()));
                        }
                        out.push((n, t));
                    }
                    (None, Some(TypeExpr::Name(n, _))) => pending.push(n),
                    _ => {
                        return self.err("syntax error: mixed named and unnamed parameters".into());
                    }
                }
            }
            if !pending.is_empty() {
                return self.err("syntax error: mixed named and unnamed parameters".into());
            }
        } else {
            out = items
                .into_iter()
                .map(|(_, t)| (String::new(), t.unwrap()))
                .collect();
        }
        Ok((out, variadic))
    }

    pub fn type_expr(&mut self) -> PResult<TypeExpr> {
        let pos = self.pos();
        match self.peek().clone() {
            Tok::Ident(name) => {
                self.next();
                if self.eat_op(".") {
                    let sel = self.ident()?;
                    return Ok(TypeExpr::Qualified(name, sel, pos));
                }
                Ok(TypeExpr::Name(name, pos))
            }
            Tok::Op("[") => {
                self.next();
                if self.eat_op("]") {
                    return Ok(TypeExpr::Slice(Box::new(self.type_expr()?)));
                }
                let old = self.no_lit;
                self.no_lit = false;
                let n = self.expr()?;
                self.no_lit = old;
                self.expect_op("]")?;
                Ok(TypeExpr::Array(Box::new(n), Box::new(self.type_expr()?)))
            }
            Tok::Op("(") => {
                self.next();
                let t = self.type_expr()?;
                self.expect_op(")")?;
                Ok(t)
            }
            Tok::Op("*") => {
                self.next();
                Ok(TypeExpr::Ptr(Box::new(self.type_expr()?), pos))
            }
            Tok::Kw("map") => {
                self.next();
                self.expect_op("[")?;
                let kpos = self.pos();
                let k = self.type_expr()?;
                self.expect_op("]")?;
                Ok(TypeExpr::Map(
                    Box::new(k),
                    Box::new(self.type_expr()?),
                    kpos,
                ))
            }
            Tok::Kw("struct") => {
                self.next();
                self.expect_op("{")?;
                self.skip_semis();
                let mut fields = Vec::new();
                while !self.eat_op("}") {
                    let mut names = vec![self.ident()?];
                    while self.eat_op(",") {
                        names.push(self.ident()?);
                    }
                    let t = self.type_expr()?;
                    for n in names {
                        fields.push((n, t.clone()));
                    }
                    self.end_stmt()?;
                    self.skip_semis();
                }
                Ok(TypeExpr::Struct(fields))
            }
            Tok::Kw("func") => {
                self.next();
                Ok(TypeExpr::Func(Box::new(self.signature()?)))
            }
            _ => self.unexpected("type"),
        }
    }

    fn block(&mut self) -> PResult<Block> {
        self.expect_op("{")?;
        let old = self.no_lit;
        self.no_lit = false;
        let mut v = Vec::new();
        self.skip_semis();
        while !self.is_op("}") {
            if *self.peek() == Tok::Eof {
                return self.unexpected("}");
            }
            v.push(self.stmt()?);
            self.end_stmt()?;
            self.skip_semis();
        }
        self.next();
        self.no_lit = old;
        Ok(v)
    }

    fn stmt(&mut self) -> PResult<Stmt> {
        let pos = self.pos();
        let kind = match self.peek().clone() {
            Tok::Kw("var") | Tok::Kw("const") | Tok::Kw("type") => {
                let mut v = self.decl()?;
                if v.len() == 1 {
                    return Ok(v.pop().unwrap());
                }
                StmtKind::Block(v)
            }
            Tok::Kw("return") => {
                self.next();
                let mut v = Vec::new();
                if *self.peek() != Tok::Semi && !self.is_op("}") && !self.is_op(";") {
                    v = self.expr_list()?;
                }
                StmtKind::Return(v)
            }
            Tok::Kw("break") => {
                self.next();
                StmtKind::Break
            }
            Tok::Kw("continue") => {
                self.next();
                StmtKind::Continue
            }
            Tok::Kw("fallthrough") => {
                self.next();
                StmtKind::Fallthrough
            }
            Tok::Op("{") => StmtKind::Block(self.block()?),
            Tok::Kw("if") => return self.if_stmt(),
            Tok::Kw("for") => return self.for_stmt(),
            Tok::Kw("switch") => return self.switch_stmt(),
            Tok::Kw(k @ ("go" | "defer" | "goto" | "select")) => {
                return self.err(format!("{k} statements are not supported by gomini"));
            }
            _ => return self.simple_stmt(),
        };
        Ok(Stmt { pos, kind })
    }

    fn simple_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.pos();
        let lhs = self.expr_list()?;
        let kind = match self.peek().clone() {
            Tok::Op(":=") => {
                let op_pos = self.pos();
                self.next();
                if self.is_kw("range") {
                    self.next();
                    let x = self.expr()?;
                    return self.range_tail(pos, lhs, true, x);
                }
                let rhs = self.expr_list()?;
                return Ok(Stmt {
                    pos: op_pos,
                    kind: StmtKind::Define(lhs, rhs),
                });
            }
            Tok::Op(
                op @ ("=" | "+=" | "-=" | "*=" | "/=" | "%=" | "&=" | "|=" | "^=" | "<<=" | ">>="
                | "&^="),
            ) => {
                let op_pos = self.pos();
                self.next();
                if op == "=" && self.is_kw("range") {
                    self.next();
                    let x = self.expr()?;
                    return self.range_tail(pos, lhs, false, x);
                }
                let rhs = self.expr_list()?;
                return Ok(Stmt {
                    pos: op_pos,
                    kind: StmtKind::Assign(lhs, op, rhs),
                });
            }
            Tok::Op(o @ ("++" | "--")) => {
                self.next();
                if lhs.len() != 1 {
                    return Err((pos, format!("syntax error: unexpected {o}")));
                }
                StmtKind::IncDec(lhs.into_iter().next().unwrap(), o == "++")
            }
            _ => {
                if lhs.len() != 1 {
                    return self.unexpected(":= or = or comma");
                }
                StmtKind::Expr(lhs.into_iter().next().unwrap())
            }
        };
        Ok(Stmt { pos, kind })
    }

    fn range_tail(&mut self, pos: Pos, lhs: Vec<Expr>, define: bool, x: Expr) -> PResult<Stmt> {
        if lhs.len() > 2 {
            return Err((
                pos,
                "range clause permits at most two iteration variables".into(),
            ));
        }
        let mut it = lhs.into_iter();
        let k = it.next();
        let v = it.next();
        // The caller (for_stmt) parses the body.
        Ok(Stmt {
            pos,
            kind: StmtKind::Range(k, v, define, x, Vec::new()),
        })
    }

    fn if_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.pos();
        self.next();
        let old = self.no_lit;
        self.no_lit = true;
        let mut init = None;
        let first = self.simple_stmt()?;
        let cond;
        if self.eat_op(";")
            || (*self.peek() == Tok::Semi && {
                self.next();
                true
            })
        {
            init = Some(Box::new(first));
            let c = self.simple_stmt()?;
            cond = match c.kind {
                StmtKind::Expr(e) => e,
                _ => {
                    return Err((
                        c.pos,
                        "syntax error: missing condition in if statement".into(),
                    ));
                }
            };
        } else {
            cond = match first.kind {
                StmtKind::Expr(e) => e,
                _ => {
                    return Err((
                        first.pos,
                        "syntax error: cannot use assignment as value".into(),
                    ));
                }
            };
        }
        self.no_lit = old;
        let then = self.block()?;
        let mut els = None;
        if self.is_kw("else") {
            self.next();
            if self.is_kw("if") {
                els = Some(Box::new(self.if_stmt()?));
            } else if self.is_op("{") {
                let p = self.pos();
                els = Some(Box::new(Stmt {
                    pos: p,
                    kind: StmtKind::Block(self.block()?),
                }));
            } else {
                return self.unexpected("if statement or block");
            }
        }
        Ok(Stmt {
            pos,
            kind: StmtKind::If(init, cond, then, els),
        })
    }

    fn for_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.pos();
        self.next();
        let old = self.no_lit;
        self.no_lit = true;
        if self.is_op("{") {
            self.no_lit = old;
            let body = self.block()?;
            return Ok(Stmt {
                pos,
                kind: StmtKind::For(None, None, None, body),
            });
        }
        if self.is_kw("range") {
            self.next();
            let x = self.expr()?;
            self.no_lit = old;
            let body = self.block()?;
            return Ok(Stmt {
                pos,
                kind: StmtKind::Range(None, None, false, x, body),
            });
        }
        let mut init = None;
        if !self.is_op(";") {
            let s = self.simple_stmt()?;
            if let StmtKind::Range(k, v, d, x, _) = s.kind {
                self.no_lit = old;
                let body = self.block()?;
                return Ok(Stmt {
                    pos,
                    kind: StmtKind::Range(k, v, d, x, body),
                });
            }
            if self.is_op("{") {
                self.no_lit = old;
                let cond = match s.kind {
                    StmtKind::Expr(e) => e,
                    _ => return Err((s.pos, "syntax error: expected for loop condition".into())),
                };
                let body = self.block()?;
                return Ok(Stmt {
                    pos,
                    kind: StmtKind::For(None, Some(cond), None, body),
                });
            }
            init = Some(Box::new(s));
        }
        if !(self.eat_op(";")
            || (*self.peek() == Tok::Semi && {
                self.next();
                true
            }))
        {
            return self.unexpected("{ after for clause");
        }
        let cond = if self.is_op(";") || *self.peek() == Tok::Semi {
            None
        } else {
            Some(self.expr()?)
        };
        if !(self.eat_op(";")
            || (*self.peek() == Tok::Semi && {
                self.next();
                true
            }))
        {
            return self.unexpected("semicolon");
        }
        let post = if self.is_op("{") {
            None
        } else {
            Some(Box::new(self.simple_stmt()?))
        };
        self.no_lit = old;
        let body = self.block()?;
        Ok(Stmt {
            pos,
            kind: StmtKind::For(init, cond, post, body),
        })
    }

    fn switch_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.pos();
        self.next();
        let old = self.no_lit;
        self.no_lit = true;
        let mut init = None;
        let mut tag = None;
        if !self.is_op("{") {
            let s = if self.is_op(";") {
                None
            } else {
                Some(self.simple_stmt()?)
            };
            if self.eat_op(";")
                || (*self.peek() == Tok::Semi && {
                    self.next();
                    true
                })
            {
                init = s.map(Box::new);
                if !self.is_op("{") {
                    let t = self.simple_stmt()?;
                    match t.kind {
                        StmtKind::Expr(e) => tag = Some(e),
                        _ => {
                            return Err((
                                t.pos,
                                "syntax error: switch expression must be an expression".into(),
                            ));
                        }
                    }
                }
            } else if let Some(s) = s {
                match s.kind {
                    StmtKind::Expr(e) => tag = Some(e),
                    _ => {
                        return Err((
                            s.pos,
                            "syntax error: switch expression must be an expression".into(),
                        ));
                    }
                }
            }
        }
        self.no_lit = old;
        self.expect_op("{")?;
        self.skip_semis();
        let mut cases = Vec::new();
        while !self.eat_op("}") {
            let cpos = self.pos();
            let exprs = if self.is_kw("case") {
                self.next();
                Some(self.expr_list()?)
            } else if self.is_kw("default") {
                self.next();
                None
            } else {
                return self.unexpected("case or default or }");
            };
            self.expect_op(":")?;
            self.skip_semis();
            let mut body = Vec::new();
            while !self.is_kw("case") && !self.is_kw("default") && !self.is_op("}") {
                body.push(self.stmt()?);
                self.end_stmt()?;
                self.skip_semis();
            }
            cases.push(Case {
                pos: cpos,
                exprs,
                body,
            });
        }
        Ok(Stmt {
            pos,
            kind: StmtKind::Switch(init, tag, cases),
        })
    }

    fn expr_list(&mut self) -> PResult<Vec<Expr>> {
        let mut v = vec![self.expr()?];
        while self.eat_op(",") {
            v.push(self.expr()?);
        }
        Ok(v)
    }

    pub fn expr(&mut self) -> PResult<Expr> {
        self.binary(1)
    }

    fn binary(&mut self, min: u8) -> PResult<Expr> {
        let mut lhs = self.unary()?;
        loop {
            let (op, prec) = match self.peek() {
                Tok::Op(o) => {
                    let p = match *o {
                        "||" => 1,
                        "&&" => 2,
                        "==" | "!=" | "<" | "<=" | ">" | ">=" => 3,
                        "+" | "-" | "|" | "^" => 4,
                        "*" | "/" | "%" | "<<" | ">>" | "&" | "&^" => 5,
                        _ => 0,
                    };
                    (*o, p)
                }
                _ => ("", 0),
            };
            if prec == 0 || prec < min {
                return Ok(lhs);
            }
            self.next();
            let rhs = self.binary(prec + 1)?;
            // Go reports errors in a binary expression at its left operand.
            let pos = lhs.pos;
            lhs = Expr {
                pos,
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
            };
        }
    }

    fn unary(&mut self) -> PResult<Expr> {
        let pos = self.pos();
        if let Tok::Op(o @ ("-" | "+" | "!" | "^" | "&" | "*" | "<-")) = self.peek().clone() {
            self.next();
            let x = self.unary()?;
            return Ok(Expr {
                pos,
                kind: ExprKind::Unary(o, Box::new(x)),
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> PResult<Expr> {
        let pos = self.pos();
        let leaf = match self.peek().clone() {
            Tok::Ident(s) => Some(ExprKind::Ident(s)),
            Tok::Int(v) => Some(ExprKind::Int(v)),
            Tok::Float(v) => Some(ExprKind::Float(v)),
            Tok::Char(v) => Some(ExprKind::Char(v)),
            Tok::Str(v) => Some(ExprKind::Str(v)),
            _ => None,
        };
        let mut x = match self.peek().clone() {
            _ if leaf.is_some() => {
                self.next();
                Expr {
                    pos,
                    kind: leaf.unwrap(),
                }
            }
            Tok::Op("(") => {
                self.next();
                let old = self.no_lit;
                self.no_lit = false;
                let e = self.expr()?;
                self.no_lit = old;
                self.expect_op(")")?;
                Expr {
                    pos,
                    kind: ExprKind::Paren(Box::new(e)),
                }
            }
            Tok::Kw("func") => {
                self.next();
                let mut sig = self.signature()?;
                if self.is_op("{") {
                    let old = self.no_lit;
                    self.no_lit = false;
                    let body = self.block()?;
                    sig.end = self.toks[self.i - 1].1;
                    self.no_lit = old;
                    Expr {
                        pos,
                        kind: ExprKind::FuncLit(Box::new(sig), body),
                    }
                } else {
                    Expr {
                        pos,
                        kind: ExprKind::Type(TypeExpr::Func(Box::new(sig))),
                    }
                }
            }
            Tok::Op("[") | Tok::Kw("map") | Tok::Kw("struct") => Expr {
                pos,
                kind: ExprKind::Type(self.type_expr()?),
            },
            _ => return self.unexpected("expression"),
        };
        loop {
            let pos = self.pos();
            if self.eat_op(".") {
                // Go reports selector errors at the selected name.
                let pos = self.pos();
                let name = self.ident()?;
                x = Expr {
                    pos,
                    kind: ExprKind::Selector(Box::new(x), name),
                };
            } else if self.is_op("(") {
                self.next();
                let old = self.no_lit;
                self.no_lit = false;
                let mut args = Vec::new();
                let mut dots = false;
                self.skip_semis();
                while !self.is_op(")") {
                    args.push(self.expr()?);
                    if self.eat_op("...") {
                        dots = true;
                    }
                    if !self.eat_op(",") {
                        break;
                    }
                    self.skip_semis();
                }
                self.no_lit = old;
                self.expect_op(")")?;
                x = Expr {
                    pos,
                    kind: ExprKind::Call(Box::new(x), args, dots),
                };
            } else if self.is_op("[") {
                self.next();
                let old = self.no_lit;
                self.no_lit = false;
                let lo = if self.is_op(":") {
                    None
                } else {
                    Some(Box::new(self.expr()?))
                };
                if self.eat_op(":") {
                    let hi = if self.is_op("]") {
                        None
                    } else {
                        Some(Box::new(self.expr()?))
                    };
                    self.no_lit = old;
                    self.expect_op("]")?;
                    x = Expr {
                        pos,
                        kind: ExprKind::SliceExpr(Box::new(x), lo, hi),
                    };
                } else {
                    self.no_lit = old;
                    self.expect_op("]")?;
                    let Some(lo) = lo else {
                        return self.unexpected("index");
                    };
                    x = Expr {
                        pos,
                        kind: ExprKind::Index(Box::new(x), lo),
                    };
                }
            } else if self.is_op("{") && self.lit_ok(&x) {
                let t = match x.kind {
                    ExprKind::Type(t) => t,
                    ExprKind::Ident(n) => TypeExpr::Name(n, x.pos),
                    ExprKind::Selector(p, s) => match p.kind {
                        ExprKind::Ident(pk) => TypeExpr::Qualified(pk, s, x.pos),
                        _ => unreachable!(),
                    },
                    _ => unreachable!(),
                };
                let elems = self.lit_body()?;
                x = Expr {
                    pos: x.pos,
                    kind: ExprKind::Composite(Some(t), elems),
                };
            } else {
                return Ok(x);
            }
        }
    }

    fn lit_ok(&self, x: &Expr) -> bool {
        match &x.kind {
            ExprKind::Type(TypeExpr::Func(_)) => false,
            ExprKind::Type(_) => true,
            ExprKind::Ident(_) => !self.no_lit,
            ExprKind::Selector(p, _) => !self.no_lit && matches!(p.kind, ExprKind::Ident(_)),
            _ => false,
        }
    }

    fn lit_value(&mut self) -> PResult<Expr> {
        if self.is_op("{") {
            let pos = self.pos();
            let elems = self.lit_body()?;
            Ok(Expr {
                pos,
                kind: ExprKind::Composite(None, elems),
            })
        } else {
            self.expr()
        }
    }

    fn lit_body(&mut self) -> PResult<Vec<(Option<Expr>, Expr)>> {
        self.expect_op("{")?;
        let old = self.no_lit;
        self.no_lit = false;
        let mut elems = Vec::new();
        self.skip_semis();
        while !self.is_op("}") {
            let a = self.lit_value()?;
            if self.eat_op(":") {
                let b = self.lit_value()?;
                elems.push((Some(a), b));
            } else {
                elems.push((None, a));
            }
            if !self.eat_op(",") {
                self.skip_semis();
                break;
            }
            self.skip_semis();
        }
        self.no_lit = old;
        if !self.is_op("}") {
            return self.unexpected("comma or }");
        }
        self.next();
        Ok(elems)
    }
}
