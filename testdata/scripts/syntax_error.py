import harness as H
def broken(:
    pass
