//! The syntax tree the parser builds and the checker consumes.

/// A source position (1-based line and column, columns in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// A type as written in the source.
#[derive(Clone, Debug)]
pub enum TypeExpr {
    Name(String, Pos),
    Qualified(String, String, Pos),
    Slice(Box<TypeExpr>),
    Array(Box<Expr>, Box<TypeExpr>),
    /// Key, elem, and the key's position (for "invalid map key type").
    Map(Box<TypeExpr>, Box<TypeExpr>, Pos),
    Struct(Vec<(String, TypeExpr)>),
    Func(Box<FuncSig>),
    /// `*T`: only `*bufio.Scanner` is supported.
    Ptr(Box<TypeExpr>, Pos),
}

#[derive(Clone, Debug)]
pub struct FuncSig {
    pub params: Vec<(String, TypeExpr)>,
    pub results: Vec<(String, TypeExpr)>,
    pub variadic: bool,
    /// The closing brace of the body (where Go reports "missing return").
    pub end: Pos,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub pos: Pos,
    pub kind: ExprKind,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Ident(String),
    Int(u128),
    Float(f64),
    Char(i64),
    Str(String),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    Unary(&'static str, Box<Expr>),
    Call(Box<Expr>, Vec<Expr>, bool),
    Index(Box<Expr>, Box<Expr>),
    SliceExpr(Box<Expr>, Option<Box<Expr>>, Option<Box<Expr>>),
    Selector(Box<Expr>, String),
    /// A composite literal; `None` type when elided inside an outer literal.
    Composite(Option<TypeExpr>, Vec<(Option<Expr>, Expr)>),
    FuncLit(Box<FuncSig>, Block),
    /// A type in expression position (conversions like `[]byte(s)`).
    Type(TypeExpr),
    Paren(Box<Expr>),
}

pub type Block = Vec<Stmt>;

#[derive(Clone, Debug)]
pub struct Stmt {
    pub pos: Pos,
    pub kind: StmtKind,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    Var(Vec<(String, Pos)>, Option<TypeExpr>, Vec<Expr>),
    Const(Vec<(String, Pos)>, Option<TypeExpr>, Vec<Expr>, i64),
    Type(String, TypeExpr),
    Define(Vec<Expr>, Vec<Expr>),
    Assign(Vec<Expr>, &'static str, Vec<Expr>),
    IncDec(Expr, bool),
    Expr(Expr),
    If(Option<Box<Stmt>>, Expr, Block, Option<Box<Stmt>>),
    For(Option<Box<Stmt>>, Option<Expr>, Option<Box<Stmt>>, Block),
    /// `for k, v := range x` (define) or `for k, v = range x`.
    Range(Option<Expr>, Option<Expr>, bool, Expr, Block),
    Switch(Option<Box<Stmt>>, Option<Expr>, Vec<Case>),
    Break,
    Continue,
    Fallthrough,
    Return(Vec<Expr>),
    Block(Block),
}

#[derive(Clone, Debug)]
pub struct Case {
    pub pos: Pos,
    /// None for `default`.
    pub exprs: Option<Vec<Expr>>,
    pub body: Block,
}

#[derive(Clone, Debug)]
pub struct FuncDecl {
    pub name: String,
    pub pos: Pos,
    pub sig: FuncSig,
    pub body: Block,
}

#[derive(Clone, Debug, Default)]
pub struct File {
    pub imports: Vec<(String, Pos)>,
    pub funcs: Vec<FuncDecl>,
    /// Package-level var, const and type declarations, in source order.
    pub decls: Vec<Stmt>,
}
