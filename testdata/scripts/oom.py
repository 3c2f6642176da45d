import harness as H
H.train_data()
hoard = bytearray(1 << 60)
