import harness as H
H.train_data()
H.log(0, 1.0)
print("done training, forgot to save")
