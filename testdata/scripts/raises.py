import harness as H
H.train_data()
raise RuntimeError("boom from the script")
